package controller

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// ApproverDecisionReconciler answers decisions whose request does not exist: the request's own
// reconciler records every decision of an existing request. The admission webhook admits a
// decision only for a request that exists and binds it to that request (owner reference, UID
// in its record), so a decision without its request is one whose request was deleted: it is
// Refused, and never counts for a later request of the same name.
type ApproverDecisionReconciler struct {
	client.Client
	// Reader confirms uncached that a request is gone (the cache may not have seen it yet).
	Reader client.Reader
	Events events.EventRecorder
}

// Reconcile implements reconcile.Reconciler.
func (r *ApproverDecisionReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	d := &v1.ApproverDecision{}
	if err := r.Get(ctx, req.NamespacedName, d); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	key := client.ObjectKey{Namespace: d.Namespace, Name: d.Spec.ApprovalRequestName}
	if err := r.Get(ctx, key, &v1.ApprovalRequest{}); !apierrors.IsNotFound(err) {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if err := r.Reader.Get(ctx, key, &v1.ApprovalRequest{}); !apierrors.IsNotFound(err) {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	msg := fmt.Sprintf("ApprovalRequest %q does not exist in namespace %s: a decision counts only for the request it was given to", d.Spec.ApprovalRequestName, d.Namespace)
	if d.Status.Message != msg {
		r.Events.Eventf(d, nil, corev1.EventTypeWarning, v1.ReasonRequestNotFound, "Record", "%s", msg)
	}
	return ctrl.Result{}, patchDecisionStatus(ctx, r.Client, d, v1.DecisionRefused, msg, d.Status.DecidedBy)
}

// SetupWithManager registers the controller.
func (r *ApproverDecisionReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).For(&v1.ApproverDecision{}).Named("approverdecision").Complete(r)
}
