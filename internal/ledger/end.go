package ledger

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
)

// Outcome is how a request's execution ended, as the operator verified it: the phase Step
// Functions reported (by the outcome task or DescribeExecution, confirmed against the
// execution's history where the ledger alone cannot support it), or the end the operator made
// itself (the expiry it stopped the execution for, a start that cannot succeed).
type Outcome struct {
	Phase v1.Phase
	// Why says what ended it, for an end that is not a verdict (Failed, Expired, Aborted): the
	// execution's error and cause, or the operator's own words. Empty: the phase's own words.
	// A verdict (Approved, Rejected) is explained by its deciders, never by a report.
	Why string
	At  metav1.Time
}

// End is a request's end as one transition: what it writes (Apply) and what is done once the
// write is durable (Events, and the tokens of Closed and decided slots no longer kept alive).
// It is computed from the verified ledger and the outcome, never read back from status.
type End struct {
	Phase           v1.Phase
	Reason, Message string
	At              metav1.Time
	// Closed are the slots still undecided, which the end closes (NotRequired).
	Closed []string
	// Events announce the end.
	Events []Event
}

// Event is one event of an end.
type Event struct {
	Type, Reason, Action, Message string
}

// Decide is the end an outcome makes of a request, checked against its verified ledger
// (verified selects the entries whose decision is on record): Approved only when the verified
// decisions reach the quorum, Rejected only when they make it unreachable. A verdict the ledger
// does not reach is Failed with reason UnverifiedOutcome (an answer tollgate never sent on a
// task token ended the execution), announced by a Warning event of that reason besides the end's.
func Decide(obj *v1.ApprovalRequest, verified func(*v1.ApproverStatus) bool, out Outcome) End {
	tally := approval.TallyOf(obj, verified)
	e := End{Phase: out.Phase, Reason: string(out.Phase), Message: out.Why, At: out.At}
	unverified := func(msg string) {
		e.Phase, e.Reason, e.Message = v1.PhaseFailed, v1.ReasonUnverifiedOutcome, msg
		e.Events = append(e.Events, Event{corev1.EventTypeWarning, v1.ReasonUnverifiedOutcome, "Verify", msg})
	}
	switch verdict := tally.Verdict(); {
	case out.Phase == v1.PhaseApproved && verdict != approval.VerdictReached:
		unverified(fmt.Sprintf("Step Functions reported the request approved, but tollgate recorded %s verified approvals: the execution was ended by an answer tollgate did not send (SendTaskSuccess on a task token by someone else); not approved", tally))
	case out.Phase == v1.PhaseRejected && verdict != approval.VerdictUnreachable:
		unverified(fmt.Sprintf("Step Functions reported the request rejected, but tollgate recorded %d verified rejections, which leave %s approvals reachable: the execution was ended by an answer tollgate did not send", tally.Rejected, tally))
	case out.Phase == v1.PhaseApproved:
		e.Message = fmt.Sprintf("Approved: %s approvals (%s)", tally, Deciders(obj, v1.DecisionApprove))
	case out.Phase == v1.PhaseRejected:
		e.Message = "Rejected by " + Deciders(obj, v1.DecisionReject)
	case e.Message == "":
		e.Message = defaultMessage[out.Phase]
	}
	for _, s := range obj.Status.Approvers {
		if s.Decision == "" {
			e.Closed = append(e.Closed, s.Name)
		}
	}
	announced := Event{corev1.EventTypeWarning, e.Reason, "Complete", e.Message}
	if e.Phase == v1.PhaseApproved {
		announced = Event{corev1.EventTypeNormal, v1.ReasonApproved, "Complete", "Approved by " + Deciders(obj, v1.DecisionApprove)}
	}
	if e.Reason == v1.ReasonUnverifiedOutcome {
		announced.Reason = v1.ReasonFailed
	}
	e.Events = append(e.Events, announced)
	return e
}

// defaultMessage explains an end that is not a verdict when nothing said more.
var defaultMessage = map[v1.Phase]string{
	v1.PhaseExpired: "Expired: no verdict before the timeout",
	v1.PhaseAborted: "Aborted: the execution was stopped",
	v1.PhaseFailed:  "Failed",
}

// Apply writes the end into a request's status, whole: phase, completedAt and ended, the closed
// slots, and the conditions (kstatus: Ready True and Approved True for an approval; Ready False
// and Stalled True, with Rejected True for a rejection, for any other end; Reconciling gone),
// so no reader sees the phase of an end beside the conditions of a request still waiting.
func (e End) Apply(obj *v1.ApprovalRequest) {
	st := &obj.Status
	at := e.At
	st.Phase, st.CompletedAt = e.Phase, &at
	st.Ended = &v1.Ending{At: at, Reason: e.Reason, Message: e.Message}
	for _, name := range e.Closed {
		if s := approval.Entry(obj, name); s != nil && s.Decision == "" {
			s.Decision = v1.DecisionNotRequired
		}
	}
	e.setConditions(obj)
}

// setConditions sets the kstatus conditions of the end: Ready True and Approved True for an
// approval; Ready False and Stalled True, with Rejected True for a rejection, for any other
// end; Reconciling gone.
func (e End) setConditions(obj *v1.ApprovalRequest) {
	st := &obj.Status
	set := func(t string, s metav1.ConditionStatus) {
		meta.SetStatusCondition(&st.Conditions, metav1.Condition{Type: t, Status: s, Reason: e.Reason, Message: e.Message, ObservedGeneration: obj.Generation})
	}
	meta.RemoveStatusCondition(&st.Conditions, v1.ConditionReconciling)
	if e.Phase == v1.PhaseApproved {
		set(v1.ConditionApproved, metav1.ConditionTrue)
		set(v1.ConditionReady, metav1.ConditionTrue)
		meta.RemoveStatusCondition(&st.Conditions, v1.ConditionStalled)
		return
	}
	if e.Phase == v1.PhaseRejected {
		set(v1.ConditionRejected, metav1.ConditionTrue)
	}
	set(v1.ConditionReady, metav1.ConditionFalse)
	set(v1.ConditionStalled, metav1.ConditionTrue)
}

// Recorded is the reason and message of a request's end as its status records it: status.ended,
// written with the end. A request an operator ended before status.ended existed has none: its
// words are what the step that ended it kept in the Stalled condition, else its phase's own.
func Recorded(obj *v1.ApprovalRequest) (reason, message string) {
	st := &obj.Status
	if st.Ended != nil {
		return st.Ended.Reason, st.Ended.Message
	}
	phase := string(st.Phase)
	if c := meta.FindStatusCondition(st.Conditions, v1.ConditionStalled); c != nil && c.Message != "" &&
		(c.Reason == phase || c.Reason == v1.ReasonUnverifiedOutcome && st.Phase == v1.PhaseFailed) {
		return c.Reason, c.Message
	}
	switch st.Phase {
	case v1.PhaseApproved:
		return phase, fmt.Sprintf("Approved: %s approvals (%s)", st.Approvals, Deciders(obj, v1.DecisionApprove))
	case v1.PhaseRejected:
		return phase, "Rejected by " + Deciders(obj, v1.DecisionReject)
	}
	return phase, defaultMessage[st.Phase]
}

// Restate sets an ended request's conditions again from its recorded end, as Apply set them:
// a later reconcile keeps the end's words whatever else it derives.
func Restate(obj *v1.ApprovalRequest) {
	reason, message := Recorded(obj)
	End{Phase: obj.Status.Phase, Reason: reason, Message: message}.setConditions(obj)
}

// Deciders lists who made decision d, for messages.
func Deciders(obj *v1.ApprovalRequest, d v1.Decision) string {
	var names []string
	for _, s := range obj.Status.Approvers {
		if s.Decision == d {
			names = append(names, s.Name)
		}
	}
	if len(names) == 0 {
		return "nobody"
	}
	return strings.Join(names, ", ")
}
