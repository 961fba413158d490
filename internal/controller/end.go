package controller

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/identity"
	"github.com/tollgate-dev/tollgate/internal/ledger"
)

// reported is the outcome of an execution as Step Functions reported it (the outcome task or
// DescribeExecution): its error and cause explain a failure only; an expiry or an abort it
// reports says so in the phase's own words.
func reported(phase v1.Phase, failure string, at metav1.Time) ledger.Outcome {
	out := ledger.Outcome{Phase: phase, At: at}
	if phase == v1.PhaseFailed {
		out.Why = failure
	}
	return out
}

// decide is the end an outcome makes of a request, checked against its verified ledger, and
// written into it whole (ledger.End.Apply); the caller runs its effects (ended) once the write
// that carries it succeeded.
func decide(obj *v1.ApprovalRequest, out ledger.Outcome) ledger.End {
	e := ledger.Decide(obj, identity.Verified(obj), out)
	e.Apply(obj)
	return e
}

// ended does, once, what follows an end whose write succeeded: its events, and no token of the
// request kept alive any more. Run inside a write that may be retried, it would announce an end
// that a conflict took back, or announce it twice.
func ended(rec events.EventRecorder, tokens *Tokens, obj *v1.ApprovalRequest, e ledger.End) {
	untrackAll(tokens, obj)
	for _, ev := range e.Events {
		rec.Eventf(obj, nil, ev.Type, ev.Reason, ev.Action, "%s", ev.Message)
	}
}

// untrackAll stops keeping any token of the request alive.
func untrackAll(tokens *Tokens, obj *v1.ApprovalRequest) {
	for i := range obj.Status.Approvers {
		if s := &obj.Status.Approvers[i]; s.TaskToken != "" {
			tokens.untrack(obj, s)
		}
	}
}
