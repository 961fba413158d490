package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
)

// manifest is one ApprovalRequest manifest: as written (what the API server stores, exactly as
// `kubectl apply -f` sends it) and typed (for reading it).
type manifest struct {
	raw   *unstructured.Unstructured
	typed *v1.ApprovalRequest
}

// readRequest reads one ApprovalRequest manifest.
func readRequest(path string) (*manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m := &manifest{raw: &unstructured.Unstructured{}, typed: &v1.ApprovalRequest{}}
	if err := yaml.Unmarshal(data, &m.raw.Object); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := yaml.UnmarshalStrict(data, m.typed); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if m.typed.Namespace == "" {
		m.typed.Namespace = "default"
		m.raw.SetNamespace("default")
	}
	return m, nil
}

// rename gives the request another name (the scenarios each make their own).
func (m *manifest) rename(name string) {
	m.raw.SetName(name)
	m.typed.Name = name
}

// applyRequest creates the request as written, like `kubectl apply -f` (not re-encoded by Go
// types: the API server keeps e.g. `timeout: 72h` as written), or keeps the one a previous run
// left (its spec is immutable). It returns the stored object.
func applyRequest(ctx context.Context, r client.Reader, c client.Client, m *manifest) (*v1.ApprovalRequest, bool, error) {
	obj := m.raw.DeepCopy()
	err := c.Create(ctx, obj)
	created := err == nil
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return nil, false, err
	}
	stored := &v1.ApprovalRequest{}
	return stored, created, r.Get(ctx, client.ObjectKeyFromObject(m.typed), stored)
}

// tokens counts the slots holding a task token.
func tokens(obj *v1.ApprovalRequest) int {
	n := 0
	for _, a := range obj.Status.Approvers {
		if a.TaskToken != "" {
			n++
		}
	}
	return n
}

// slotsOf are the approver slots of the policy a request runs under (none while it waits for
// its GatePolicy).
func slotsOf(obj *v1.ApprovalRequest) []v1.Approver {
	return approval.Slots(approval.PolicyOf(obj))
}

// policyName names the GatePolicy a request references ("none" when it names its approvers).
func policyName(obj *v1.ApprovalRequest) string {
	if obj.Spec.PolicyRef == nil {
		return "none"
	}
	return obj.Spec.PolicyRef.Name
}

// everySlotReady: the request runs under its policy, and every slot holds a task token or is
// already decided.
func everySlotReady(obj *v1.ApprovalRequest) bool {
	if slots := slotsOf(obj); len(slots) == 0 || len(obj.Status.Approvers) < len(slots) {
		return false
	}
	for _, a := range obj.Status.Approvers {
		if a.TaskToken == "" && a.Decision == "" {
			return false
		}
	}
	return true
}

// openSlot is the first of r's slots that no one has decided yet: an impostor's decision there
// would change the request and is refused. On a decided slot, the same decision again changes
// nothing and is admitted (a kept request whose first slot was approved before a restart). With
// every slot decided, the first.
func openSlot(r *v1.ApprovalRequest) string {
	decided := map[string]bool{}
	for _, a := range r.Status.Approvers {
		decided[a.Name] = a.Decision != ""
	}
	slots := slotsOf(r)
	for _, a := range slots {
		if !decided[a.Name] {
			return a.Name
		}
	}
	if len(slots) == 0 {
		return "<slot>"
	}
	return slots[0].Name
}

// concluded: the request reached its end and the operator concluded it (its conditions say
// so, and it holds no finalizer), as `kubectl wait --for=condition=...` would see it.
func concluded(obj *v1.ApprovalRequest) bool {
	ready := meta.FindStatusCondition(obj.Status.Conditions, v1.ConditionReady)
	return isFinal(obj.Status.Phase) && len(obj.Finalizers) == 0 && ready != nil &&
		(ready.Reason == string(obj.Status.Phase) || ready.Reason == v1.ReasonUnverifiedOutcome)
}

func isFinal(p v1.Phase) bool {
	switch p {
	case v1.PhaseApproved, v1.PhaseRejected, v1.PhaseExpired, v1.PhaseAborted, v1.PhaseFailed:
		return true
	}
	return false
}

// waitFor polls the request (from the API server, not a cache) until done says so, printing
// progress whenever the summary changes and a reminder every 5s; it gives up at the deadline.
func waitFor(ctx context.Context, c client.Reader, key client.ObjectKey, what string, timeout time.Duration,
	done func(*v1.ApprovalRequest) bool) (*v1.ApprovalRequest, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start, lastSaid, last := time.Now(), time.Now(), ""
	obj := &v1.ApprovalRequest{}
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	var lastErr error
	for {
		err := c.Get(ctx, key, obj)
		switch {
		case apierrors.IsNotFound(err):
			return nil, err
		case err != nil:
			lastErr = err // transient (throttled, deadline near): try again
		case done(obj):
			return obj, nil
		}
		if s := summary(obj); s != last || time.Since(lastSaid) > 5*time.Second {
			say("  waiting for %s (%s so far, up to %s): %s", what, time.Since(start).Round(time.Second), timeout, s)
			last, lastSaid = s, time.Now()
		}
		select {
		case <-ctx.Done():
			if ctx.Err() == context.DeadlineExceeded {
				return obj, fmt.Errorf("%s/%s: no %s within %s; last seen: %s; condition: %s%s",
					key.Namespace, key.Name, what, timeout, summary(obj), conditionMessage(obj), errSuffix(lastErr))
			}
			return obj, ctx.Err()
		case <-tick.C:
		}
	}
}

// waitRequestGone waits until a deleted request is gone (its finalizer stops its execution first).
func waitRequestGone(ctx context.Context, r client.Reader, key client.ObjectKey) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		if err := r.Get(ctx, key, &v1.ApprovalRequest{}); apierrors.IsNotFound(err) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s is still there 30s after its deletion", key)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// summary is one line about a request: phase, approvals, each slot.
func summary(obj *v1.ApprovalRequest) string {
	phase := string(obj.Status.Phase)
	if phase == "" {
		phase = "(no phase yet)"
	}
	slots := make([]string, 0, len(obj.Status.Approvers))
	for _, a := range obj.Status.Approvers {
		s := a.Name + ":"
		switch {
		case a.Decision == v1.DecisionNotRequired:
			s += string(a.Decision)
		case a.Decision != "" && a.SentAt != nil:
			s += string(a.Decision) + "(sent)"
		case a.Decision != "":
			s += string(a.Decision) + "(recorded)"
		case a.TaskToken != "":
			s += "token"
		default:
			s += "waiting-for-token"
		}
		slots = append(slots, s)
	}
	line := fmt.Sprintf("phase=%s approvals=%s tokens=%d/%d", phase, orDash(obj.Status.Approvals), tokens(obj), len(slotsOf(obj)))
	if len(slots) > 0 {
		line += " [" + strings.Join(slots, " ") + "]"
	}
	return line
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func errSuffix(err error) string {
	if err == nil {
		return ""
	}
	return "; last error: " + err.Error()
}
