package ledger

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// Written is told of every status write that succeeded, with the status before and after (the
// operator's metrics): it runs once per write, never for a try that conflicted.
type Written func(before, after *v1.ApprovalRequest)

// retryBackoff is how long a commit keeps trying through conflicts. The reconciler and every
// activity worker write the same status: 40 tokens of one request arriving at once conflict
// many times in a row, and a token the ledger gives up on is lost until its heartbeat timeout.
var retryBackoff = wait.Backoff{Steps: 40, Duration: 5 * time.Millisecond, Factor: 1.5, Jitter: 1, Cap: 250 * time.Millisecond}

// Commit is the ledger's read-change-write loop: it reads a request uncached, lets change edit
// its status (false: leave it as it is), and patches the status guarded by resourceVersion —
// from the read again on a conflict, since the reconciler and the activity router write the
// same status concurrently. change may run many times: it only edits the status, and what must
// happen once is done by the caller after Commit returned. A caller that holds the request as it
// last wrote it passes it as known: the first try starts from it instead of a read (its
// resourceVersion guards the patch, and a conflict reads). It returns the request as stored.
func Commit(ctx context.Context, c client.Client, r client.Reader, key client.ObjectKey, known *v1.ApprovalRequest,
	change func(*v1.ApprovalRequest) (bool, error), written Written) (*v1.ApprovalRequest, error) {
	var obj *v1.ApprovalRequest
	err := retry.RetryOnConflict(retryBackoff, func() error {
		obj = &v1.ApprovalRequest{}
		if known != nil {
			known.DeepCopyInto(obj)
			known = nil
		} else if err := r.Get(ctx, key, obj); err != nil {
			return err
		}
		base := obj.DeepCopy()
		write, err := change(obj)
		if err != nil || !write {
			return err
		}
		return Patch(ctx, c, base, obj, written)
	})
	if err != nil {
		return obj, fmt.Errorf("committing the status of %s: %w", key, err)
	}
	return obj, nil
}

// Patch writes obj's status if it differs from base's, as a JSON merge patch against base
// guarded by resourceVersion: a concurrent writer makes it fail with a conflict instead of
// being overwritten.
func Patch(ctx context.Context, c client.Client, base, obj *v1.ApprovalRequest, written Written) error {
	if equality.Semantic.DeepEqual(base.Status, obj.Status) {
		return nil
	}
	if err := c.Status().Patch(ctx, obj, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})); err != nil {
		return err
	}
	written(base, obj)
	return nil
}

// PatchDecision writes an ApproverDecision's status (what became of the decision) when it
// changed. A decision deleted meanwhile needs none.
func PatchDecision(ctx context.Context, c client.Client, d *v1.ApproverDecision, want v1.ApproverDecisionStatus) error {
	if d.Status == want {
		return nil
	}
	base := d.DeepCopy()
	d.Status = want
	// IgnoreNotFound must come before wrapping: a wrapped nil is still an error.
	if err := client.IgnoreNotFound(c.Status().Patch(ctx, d, client.MergeFrom(base))); err != nil {
		return fmt.Errorf("patching the status of ApproverDecision %s/%s: %w", d.Namespace, d.Name, err)
	}
	return nil
}
