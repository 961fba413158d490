package plugin

import (
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// outcome is how a request ended, as the operator reports it: the phase, the exit code of
// `wait`, and the message of the condition that says why.
type outcome struct {
	Phase   v1.Phase
	Code    int
	Message string
}

// String says the outcome in a few words: the phase and why ("Approved: 2/2 approvals (alice,
// bob)", "Rejected by bob"), the phase once when the message starts with it.
func (o outcome) String() string {
	switch {
	case o.Message == "":
		return string(o.Phase)
	case strings.HasPrefix(o.Message, string(o.Phase)):
		return o.Message
	}
	return string(o.Phase) + ": " + o.Message
}

// exitCodes maps each final phase to the exit code of `wait`.
var exitCodes = map[v1.Phase]int{
	v1.PhaseApproved: ExitApproved,
	v1.PhaseRejected: ExitRejected,
	v1.PhaseExpired:  ExitExpired,
	v1.PhaseFailed:   ExitFailed,
	v1.PhaseAborted:  ExitAborted,
}

// outcomeOf returns the request's outcome, and false while it has none. The phase decides,
// once the conditions agree with it: the operator writes a final phase when Step Functions
// reports the outcome, and its conditions (Ready, Stalled, Reconciling) a moment later, so a
// phase whose conditions still say "waiting" is not an outcome yet. The message is the Ready
// condition's (the verdict, or the reason of any other end).
func outcomeOf(req *v1.ApprovalRequest) (outcome, bool) {
	code, final := exitCodes[req.Status.Phase]
	if !final || !settled(req) {
		return outcome{}, false
	}
	o := outcome{Phase: req.Status.Phase, Code: code}
	if c := meta.FindStatusCondition(req.Status.Conditions, v1.ConditionReady); c != nil {
		o.Message = c.Message
	}
	return o, true
}

// settled reports whether a request's conditions tell the end its phase tells: Ready for an
// approval, Stalled (and no longer Reconciling) for any other end.
func settled(req *v1.ApprovalRequest) bool {
	conditions := req.Status.Conditions
	if req.Status.Phase == v1.PhaseApproved {
		return meta.IsStatusConditionTrue(conditions, v1.ConditionReady)
	}
	return meta.IsStatusConditionTrue(conditions, v1.ConditionStalled) && !meta.IsStatusConditionTrue(conditions, v1.ConditionReconciling)
}
