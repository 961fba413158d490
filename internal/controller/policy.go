package controller

import (
	"context"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
)

// +kubebuilder:rbac:groups=approvals.tollgate.dev,resources=gatepolicies,verbs=get;list;watch

// policyRefField indexes ApprovalRequests by the GatePolicy they reference.
const policyRefField = "spec.policyRef.name"

// underPolicy settles, before a request starts, the policy it runs under. A request under a
// GatePolicy copies it into its status (approval.Capture) — through the ledger's commit, which
// the status guard checks against the policy as it stands — and runs under that copy ever
// after: the execution input, the slots, the quorum and the identity check all read it
// (approval.PolicyOf). While the policy does not exist the request waits, in progress rather
// than stalled (a sync may apply the request before its policy); the policy's watch wakes it.
// It returns where a request that cannot start yet stands (nil: it can start).
func (r *ApprovalRequestReconciler) underPolicy(ctx context.Context, obj *v1.ApprovalRequest, w *statusWriter) (*progress, error) {
	ref := obj.Spec.PolicyRef
	if ref == nil || obj.Status.Policy != nil {
		return nil, nil
	}
	policy := &v1.GatePolicy{}
	err := r.Reader.Get(ctx, client.ObjectKey{Namespace: obj.Namespace, Name: ref.Name}, policy)
	switch {
	case apierrors.IsNotFound(err):
		waiting := &progress{reason: v1.ReasonPolicyNotFound, message: fmt.Sprintf(
			"GatePolicy %s does not exist in namespace %s: the request starts once it does", ref.Name, obj.Namespace)}
		if c := meta.FindStatusCondition(obj.Status.Conditions, v1.ConditionReady); c == nil || c.Reason != v1.ReasonPolicyNotFound {
			r.Events.Eventf(obj, nil, corev1.EventTypeWarning, v1.ReasonPolicyNotFound, "Capture", "%s", waiting.message)
		}
		return waiting, nil
	case err != nil:
		return nil, fmt.Errorf("reading GatePolicy %s/%s: %w", obj.Namespace, ref.Name, err)
	}
	captured, err := approval.Capture(policy, metav1.NewTime(r.Clock.Now()))
	if err != nil {
		return nil, err
	}
	if err := w.commit(ctx, r.Reader, func(o *v1.ApprovalRequest) {
		if o.Status.Policy == nil {
			o.Status.Policy = captured
		}
	}); err != nil {
		return nil, err
	}
	r.Events.Eventf(obj, nil, corev1.EventTypeNormal, v1.ReasonPolicyCaptured, "Capture",
		"runs under GatePolicy %s at generation %d (digest %s): a later edit or deletion of the policy changes nothing for this request",
		captured.Name, captured.Generation, captured.Digest)
	return nil, nil
}

// inlineWarned remembers the requests this operator has warned that they name their own
// approvers (by UID), so each is warned once per start of the operator rather than on every
// reconcile. It holds one entry per such request met since the start.
type inlineWarned struct {
	mu   sync.Mutex
	uids map[types.UID]struct{}
}

// warnInline puts a Warning on a pending request that names its own approvers, the first time
// this operator meets it: a new request, and after an upgrade (the operator's start) each one
// created before, which an upgrade keeps running as it was.
func (r *ApprovalRequestReconciler) warnInline(obj *v1.ApprovalRequest) {
	if obj.Spec.PolicyRef != nil || approval.Ended(obj.Status.Phase) {
		return
	}
	r.inline.mu.Lock()
	_, warned := r.inline.uids[obj.UID]
	if !warned {
		if r.inline.uids == nil {
			r.inline.uids = map[types.UID]struct{}{}
		}
		r.inline.uids[obj.UID] = struct{}{}
	}
	r.inline.mu.Unlock()
	if warned {
		return
	}
	r.Events.Eventf(obj, nil, corev1.EventTypeWarning, v1.ReasonInlineApprovers, "Capture",
		"this request names its own approvers (spec.approvers): whoever creates it picks who approves it. Ask an administrator for a GatePolicy "+
			"and reference it (spec.policyRef); a namespace that requires policies refuses requests like this one (docs/policies.md)")
}

// requestsAwaiting maps a GatePolicy to the requests of its namespace that reference it and have
// not captured it yet: a policy created (or changed) after them lets them start.
func (r *ApprovalRequestReconciler) requestsAwaiting(ctx context.Context, o client.Object) []reconcile.Request {
	var list v1.ApprovalRequestList
	if err := r.List(ctx, &list, client.InNamespace(o.GetNamespace()), client.MatchingFields{policyRefField: o.GetName()}); err != nil {
		return nil // the requests' periodic look finds the policy
	}
	var out []reconcile.Request
	for i := range list.Items {
		if list.Items[i].Status.Policy == nil {
			out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
		}
	}
	return out
}

// indexPolicyRef is the index of requests by the GatePolicy they reference.
func indexPolicyRef(o client.Object) []string {
	if ref := o.(*v1.ApprovalRequest).Spec.PolicyRef; ref != nil {
		return []string{ref.Name}
	}
	return nil
}
