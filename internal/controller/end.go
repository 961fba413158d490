package controller

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/events"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// completeEnd completes, in the same status write, an end that settle recorded: open slots
// closed and the conditions derived from the phase, so no reader (kubectl wait, a GitOps
// health check) sees the phase of an end beside the conditions of a request still waiting.
// The activity router, which records the ends the state machine reports, announces them after
// its write; the reconciler completes and announces the ends it records, or finds unsettled.
func completeEnd(obj *v1.ApprovalRequest, tokens *Tokens, counted func(*v1.ApproverStatus) bool) {
	closeSlots(obj, tokens)
	summarize(obj, progress{}, counted)
}

// closeSlots ends a decided request's bookkeeping: undecided slots become NotRequired and no
// token is kept alive any more.
func closeSlots(obj *v1.ApprovalRequest, tokens *Tokens) {
	for i := range obj.Status.Approvers {
		s := &obj.Status.Approvers[i]
		if s.TaskToken != "" {
			tokens.untrack(obj, s)
		}
		if s.Decision == "" {
			s.Decision = v1.DecisionNotRequired
		}
	}
}

// announce emits the event of a request's end.
func announce(rec events.EventRecorder, obj *v1.ApprovalRequest) {
	kind := corev1.EventTypeNormal
	if obj.Status.Phase != v1.PhaseApproved {
		kind = corev1.EventTypeWarning
	}
	_, msg := terminalCondition(obj)
	if obj.Status.Phase == v1.PhaseApproved {
		msg = "Approved by " + deciders(obj, v1.DecisionApprove)
	}
	rec.Eventf(obj, nil, kind, string(obj.Status.Phase), "Complete", "%s", msg)
}
