package controller

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
