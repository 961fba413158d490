package controller

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
	"github.com/tollgate-dev/tollgate/internal/identity"
	"github.com/tollgate-dev/tollgate/internal/metrics"
	"github.com/tollgate-dev/tollgate/internal/stepfunctions"
)

// deliver sends every recorded, undelivered decision whose token is held and whose ledger
// entry verifies (verifyEntry: a hand-written status sends nothing): an approval as
// SendTaskSuccess, a rejection as SendTaskFailure (error tollgate.Rejected). Each delivery is
// flushed to status at once. A decision is recorded (and flushed) before it is sent, so a crash
// in between re-sends it on restart; Step Functions then answers TaskTimedOut for the used
// token, which counts as delivered. A stale token (re-issued after a heartbeat timeout) answers
// the same, and the new token, when it comes, clears sentAt so the decision goes out again.
func (r *ApprovalRequestReconciler) deliver(ctx context.Context, obj *v1.ApprovalRequest, w *statusWriter, decision func(string) *v1.ApproverDecision) error {
	names := make([]string, 0, len(obj.Status.Approvers))
	for _, s := range obj.Status.Approvers {
		names = append(names, s.Name)
	}
	for _, name := range names {
		// Found by name on every turn: each delivery's commit replaces obj's status.
		s := approval.Entry(obj, name)
		if s == nil || s.Decision == "" || s.Decision == v1.DecisionNotRequired || s.SentAt != nil || s.TaskToken == "" {
			continue
		}
		token, err := r.Tokens.open(obj, s)
		if err != nil {
			r.Events.Eventf(obj, nil, corev1.EventTypeWarning, v1.ReasonTokenUnreadable, "Deliver", "%v; the decision waits for the task's new token", err)
			continue
		}
		rec, err := identity.VerifyEntry(obj, s)
		if err == nil {
			err = identity.Backed(obj, s, decision)
		}
		if err != nil {
			r.Events.Eventf(obj, nil, corev1.EventTypeWarning, v1.ReasonUnverifiedDecision, "Deliver", "the decision of %s in status is not on record and is not sent: %v", s.Name, err)
			continue
		}
		// The verdict of every decision tollgate recorded, not only of those it knows it sent:
		// after a crash between a SendTask* and its sentAt, a verdict counted from sentAt alone
		// would be "open" on every slot, and the gate would end undecided.
		recorded := approval.TallyOf(obj, identity.Verified(obj))
		out, err := approval.BuildDecisionOutput(s, recorded.Verdict())
		if err != nil {
			return err
		}
		err = r.Engine.Answer(ctx, token, answerOf(s, out))
		switch {
		case err == nil:
			metrics.Delivery(s.Decision, max(0, r.Clock.Since(rec.At)))
			r.Events.Eventf(obj, nil, corev1.EventTypeNormal, sentReason(s.Decision), "Deliver", "%s by %s delivered to Step Functions", verb(s.Decision), s.Name)
		case stepfunctions.Classify(err) == stepfunctions.Gone:
			r.Events.Eventf(obj, nil, corev1.EventTypeNormal, v1.ReasonTokenClosed, "Deliver", "the task of %s was already closed (%s): its decision counts as delivered", s.Name, stepfunctions.Code(err))
		case stepfunctions.Classify(err) == stepfunctions.Denied:
			return refused(err)
		case stepfunctions.Classify(err) == stepfunctions.Terminal:
			r.Events.Eventf(obj, nil, corev1.EventTypeWarning, v1.ReasonDeliveryRefused, "Deliver", "Step Functions refused the decision of %s: %s", s.Name, stepfunctions.Describe(err))
			continue
		default:
			return fmt.Errorf("delivering the decision of %s: %w", s.Name, err)
		}
		now := metav1.NewTime(r.Clock.Now())
		stored := s.TaskToken
		if recorded.Verdict() != approval.VerdictOpen {
			// The execution is finishing: look soon. An open verdict keeps its idle check.
			r.checks.checkAt(obj.UID, now.Add(r.Options.MinFollowDelay))
		}
		if err := w.commit(ctx, r.Reader, func(o *v1.ApprovalRequest) {
			if sl := approval.Entry(o, name); sl != nil && sl.TaskToken == stored {
				sl.SentAt = &now
			}
		}); err != nil {
			return err
		}
		// Given up after the write that records the delivery, as every effect of a ledger
		// write: a write that fails leaves the slot as it was, its token kept alive included.
		r.Tokens.Keeper.Untrack(token)
	}
	return nil
}

// answerOf is a slot's decision as its task is answered: an approval succeeds with the decision
// output, a rejection fails with the contract's error tollgate.Rejected and the output as cause.
func answerOf(s *v1.ApproverStatus, output string) stepfunctions.Answer {
	if s.Decision == v1.DecisionReject {
		return stepfunctions.Fail(approval.ErrorRejected, output)
	}
	return stepfunctions.Succeed(output)
}

func sentReason(d v1.Decision) string {
	if d == v1.DecisionReject {
		return v1.ReasonRejectionSent
	}
	return v1.ReasonApprovalSent
}

func verb(d v1.Decision) string {
	if d == v1.DecisionReject {
		return "Rejection"
	}
	return "Approval"
}
