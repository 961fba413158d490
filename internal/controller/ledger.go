package controller

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
	"github.com/tollgate-dev/tollgate/internal/identity"
)

// settle records the end Step Functions reported — by the outcome task or DescribeExecution —
// after checking it against tollgate's own ledger (checkedEnd). An end tollgate did not produce
// fails the request with reason UnverifiedOutcome and a Warning event: it never becomes Approved.
func settle(obj *v1.ApprovalRequest, rec events.EventRecorder, phase v1.Phase, failure string, at metav1.Time) {
	phase, reason, msg := checkedEnd(obj, phase, failure)
	switch {
	case reason == v1.ReasonUnverifiedOutcome:
		failWith(obj, phase, reason, msg, at)
		rec.Eventf(obj, nil, corev1.EventTypeWarning, v1.ReasonUnverifiedOutcome, "Verify", "%s", msg)
	case phase == v1.PhaseFailed:
		fail(obj, phase, msg, at)
	default:
		obj.Status.Phase, obj.Status.CompletedAt = phase, &at
	}
}

// checkedEnd is the end of a request whose execution Step Functions reported ended with phase
// (failure says why, for Failed), checked against the verified ledger: Approved only when the
// verified decisions reach the quorum, Rejected only when they make it unreachable; anything
// else is Failed with reason UnverifiedOutcome (an answer tollgate never sent on a task token
// ended the execution). It returns the phase, its reason and message ("" for the phase's own).
func checkedEnd(obj *v1.ApprovalRequest, phase v1.Phase, failure string) (v1.Phase, string, string) {
	tally := approval.TallyOf(obj, identity.Verified(obj))
	switch verdict := tally.Verdict(); {
	case phase == v1.PhaseApproved && verdict != approval.VerdictReached:
		return v1.PhaseFailed, v1.ReasonUnverifiedOutcome, fmt.Sprintf("Step Functions reported the request approved, but tollgate recorded %s verified approvals: the execution was ended by an answer tollgate did not send (SendTaskSuccess on a task token by someone else); not approved", tally)
	case phase == v1.PhaseRejected && verdict != approval.VerdictUnreachable:
		return v1.PhaseFailed, v1.ReasonUnverifiedOutcome, fmt.Sprintf("Step Functions reported the request rejected, but tollgate recorded %d verified rejections, which leave %s approvals reachable: the execution was ended by an answer tollgate did not send", tally.Rejected, tally)
	case phase == v1.PhaseFailed:
		return phase, string(phase), failure
	}
	return phase, "", ""
}

// ledgerRetry is how long a commit keeps trying through conflicts. The reconciler and every
// activity worker write the same status: 40 tokens of one request arriving at once conflict
// many times in a row, and a token the ledger gives up on is lost until its heartbeat timeout.
var ledgerRetry = wait.Backoff{Steps: 40, Duration: 5 * time.Millisecond, Factor: 1.5, Jitter: 1, Cap: 250 * time.Millisecond}

// commit is the one read-change-write loop of the ledger: it reads a request uncached, lets
// change edit its status (false: leave it as it is), and patches the status guarded by
// resourceVersion — from the read again on a conflict, since the reconciler and the activity
// router write the same status concurrently. A caller that holds the request as it last wrote
// it passes it as known: the first try starts from it instead of a read (its resourceVersion
// guards the patch, and a conflict reads). It returns the request as stored afterwards.
func commit(ctx context.Context, c client.Client, r client.Reader, key client.ObjectKey, known *v1.ApprovalRequest,
	change func(*v1.ApprovalRequest) (bool, error)) (*v1.ApprovalRequest, error) {
	var obj *v1.ApprovalRequest
	err := retry.RetryOnConflict(ledgerRetry, func() error {
		obj = &v1.ApprovalRequest{}
		if known != nil {
			known.DeepCopyInto(obj)
			known = nil
		} else if err := r.Get(ctx, key, obj); err != nil {
			return err
		}
		base := obj.DeepCopy()
		write, err := change(obj)
		if err != nil || !write || equality.Semantic.DeepEqual(base.Status, obj.Status) {
			return err
		}
		if err := c.Status().Patch(ctx, obj, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})); err != nil {
			return err
		}
		observe(base, obj)
		return nil
	})
	if err != nil {
		return obj, fmt.Errorf("committing the status of %s: %w", key, err)
	}
	return obj, nil
}
