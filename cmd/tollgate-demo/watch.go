package main

import (
	"context"
	"fmt"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// watchRequests prints, as they happen, every phase change and decision of the requests in
// the cluster and the operator's answer to every ApproverDecision. It rides on the operator's
// own informers (one watch per kind, no polling).
func watchRequests(ctx context.Context, c cache.Cache) error {
	seen := &seenState{slots: map[string]string{}, phases: map[string]string{}}
	reqInf, err := c.GetInformer(ctx, &v1.ApprovalRequest{})
	if err != nil {
		return err
	}
	onReq := func(obj any) {
		if r, ok := obj.(*v1.ApprovalRequest); ok {
			seen.request(r)
		}
	}
	if _, err := reqInf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    onReq,
		UpdateFunc: func(_, obj any) { onReq(obj) },
		DeleteFunc: func(obj any) {
			if t, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
				obj = t.Obj
			}
			if r, ok := obj.(*v1.ApprovalRequest); ok {
				say("watch: %s/%s deleted", r.Namespace, r.Name)
				seen.forget(r)
			}
		},
	}); err != nil {
		return err
	}
	decInf, err := c.GetInformer(ctx, &v1.ApproverDecision{})
	if err != nil {
		return err
	}
	onDec := func(obj any) {
		if d, ok := obj.(*v1.ApproverDecision); ok {
			seen.decision(d)
		}
	}
	_, err = decInf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    onDec,
		UpdateFunc: func(_, obj any) { onDec(obj) },
	})
	return err
}

// seenState remembers what was already printed, so each change is printed once.
type seenState struct {
	mu     sync.Mutex
	phases map[string]string
	slots  map[string]string
}

func (s *seenState) request(r *v1.ApprovalRequest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := r.Namespace + "/" + r.Name
	line := ""
	if r.Status.Phase != "" {
		line = fmt.Sprintf("watch: %s is %s (approvals %s)", key, r.Status.Phase, orDash(r.Status.Approvals))
		if isFinal(r.Status.Phase) {
			line += ": " + conditionMessage(r)
		}
	}
	if old, ok := s.phases[key]; !ok || old != line {
		s.phases[key] = line
		switch {
		case !ok && line == "":
			say("watch: %s created", key)
		case line != "":
			say("%s", line)
		}
	}
	for _, a := range r.Status.Approvers {
		state := "token"
		switch {
		case a.Decision != "" && a.SentAt != nil:
			state = string(a.Decision) + " (delivered to Step Functions)"
		case a.Decision != "":
			state = string(a.Decision) + " (recorded)"
		case a.TaskToken == "":
			continue
		}
		slot := key + "#" + a.Name
		if s.slots[slot] == state {
			continue
		}
		s.slots[slot] = state
		switch a.Decision {
		case "":
			say("watch: %s slot %s has its task token", key, a.Name)
		case v1.DecisionNotRequired:
			say("watch: %s slot %s: NotRequired (the outcome was reached without it)", key, a.Name)
		default:
			by := ""
			if a.DecidedBy != "" {
				by = " by " + a.DecidedBy
			}
			if a.Source != "" {
				by += " via " + a.Source
			}
			if a.Comment != "" {
				by += fmt.Sprintf(" (%q)", a.Comment)
			}
			say("watch: %s slot %s: %s%s", key, a.Name, state, by)
		}
	}
}

func (s *seenState) forget(r *v1.ApprovalRequest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := r.Namespace + "/" + r.Name
	delete(s.phases, key)
	for _, a := range slotsOf(r) {
		delete(s.slots, key+"#"+a.Name)
	}
}

func (s *seenState) decision(d *v1.ApproverDecision) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := "ApproverDecision " + d.Namespace + "/" + d.Name
	state := string(d.Status.Phase)
	if s.slots[key] == state && state != "" {
		return
	}
	_, known := s.slots[key]
	s.slots[key] = state
	switch {
	case state == "" && !known:
		say("watch: %s: %s on %s slot %s", key, d.Spec.Decision, d.Spec.ApprovalRequestName, d.Spec.Approver)
	case state != "":
		msg := ""
		if d.Status.Message != "" {
			msg = ": " + d.Status.Message
		}
		say("watch: %s %s%s", key, state, msg)
	}
}

// conditionMessage is the message of the condition that carries the verdict (Approved,
// Rejected or Stalled when True), else Ready's.
func conditionMessage(r *v1.ApprovalRequest) string {
	for _, t := range []string{v1.ConditionApproved, v1.ConditionRejected, v1.ConditionStalled} {
		for _, c := range r.Status.Conditions {
			if c.Type == t && c.Status == metav1.ConditionTrue && c.Message != "" {
				return c.Message
			}
		}
	}
	for _, c := range r.Status.Conditions {
		if c.Type == v1.ConditionReady && c.Message != "" {
			return c.Message
		}
	}
	return "(no condition yet)"
}
