package controller

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
)

// unstarted reports whether a request's execution is still to be started. The cache is not
// enough to say so: the reconcile after the one that started a request is woken by earlier
// writes (the finalizer's, a token the activity worker recorded first), and on a loaded machine
// the watch event of the start's write can come after it ran. Step Functions would answer a
// second StartExecution with the same execution, but every call spends the StartExecution quota.
// So a request the cache shows unstarted is read again uncached — a quorum read, which holds
// every write that returned — and the reconcile goes on from that read. Unless the read finds
// what Reconcile deals with before the steps — an end to confirm, a deletion, another request
// of the name, none: then the reconcile stops as on a conflict, and the watch event of that
// change queues the request again.
func (r *ApprovalRequestReconciler) unstarted(ctx context.Context, w *statusWriter) (bool, error) {
	if w.obj.Status.ExecutionARN != "" || approval.Ended(w.obj.Status.Phase) {
		return false, nil
	}
	key := client.ObjectKeyFromObject(w.obj)
	latest := &v1.ApprovalRequest{}
	err := r.Reader.Get(ctx, key, latest)
	switch {
	case apierrors.IsNotFound(err), err == nil && (latest.UID != w.obj.UID || !latest.DeletionTimestamp.IsZero() || approval.Ended(latest.Status.Phase)):
		return false, apierrors.NewConflict(v1.GroupVersion.WithResource("approvalrequests").GroupResource(), key.Name,
			errors.New("the cache is behind the request: it is reconciled again once the cache has caught up"))
	case err != nil:
		return false, fmt.Errorf("reading %s before starting its execution: %w", key, err)
	}
	w.reset(latest)
	return latest.Status.ExecutionARN == "", nil
}
