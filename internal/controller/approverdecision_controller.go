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

// ApproverDecisionReconciler answers decisions whose request does not exist (yet): the
// request's own reconciler records every decision of an existing request, so this one only
// keeps an orphan from looking silently ignored. It is taken as soon as the request appears.
type ApproverDecisionReconciler struct {
	client.Client
	Events events.EventRecorder
}

// Reconcile implements reconcile.Reconciler.
func (r *ApproverDecisionReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	d := &v1.ApproverDecision{}
	if err := r.Get(ctx, req.NamespacedName, d); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	err := r.Get(ctx, client.ObjectKey{Namespace: d.Namespace, Name: d.Spec.ApprovalRequestName}, &v1.ApprovalRequest{})
	if !apierrors.IsNotFound(err) {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	msg := fmt.Sprintf("waiting: ApprovalRequest %q does not exist in namespace %s", d.Spec.ApprovalRequestName, d.Namespace)
	if d.Status.Message != msg {
		r.Events.Eventf(d, nil, corev1.EventTypeWarning, "RequestNotFound", "Record", "%s", msg)
	}
	return ctrl.Result{}, patchDecisionStatus(ctx, r.Client, d, "", msg, "")
}

// SetupWithManager registers the controller.
func (r *ApproverDecisionReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).For(&v1.ApproverDecision{}).Named("approverdecision").Complete(r)
}
