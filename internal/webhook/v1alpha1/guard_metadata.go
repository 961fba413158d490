package v1alpha1

import (
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/tollgate-dev/tollgate/internal/identity"
)

// kubeControllers are the identities Kubernetes' own controllers act as when they change what
// tollgate guards: the garbage collector (removing the finalizers of a foreground or orphaning
// deletion, the owner references of dependents) and the namespace controller (deleting what a
// deleted namespace held) — with one service account each (--use-service-account-credentials,
// the default of kubeadm and of managed control planes), or as kube-controller-manager itself.
var kubeControllers = []string{
	"system:serviceaccount:kube-system:generic-garbage-collector",
	"system:serviceaccount:kube-system:namespace-controller",
	"system:kube-controller-manager",
}

// keeper reports whether user is one of those who keep tollgate's objects in their lifecycle:
// the operator, or Kubernetes' own controllers.
func (o Options) keeper(user identity.User) bool {
	return user.Username == o.Operator || slices.Contains(kubeControllers, user.Username)
}

// metadataErrors refuses a change of finalizers or owner references by anyone but the operator
// and Kubernetes' own controllers: the creator sets them at creation. A finalizer removed skips
// the stop of an execution; one added holds a deletion forever; an owner reference added lets
// whoever may delete the owner delete a gate, and one removed unbinds a decision from its
// request. Kubernetes' own deletion (foreground, orphan) adds its finalizers without an update.
func (o Options) metadataErrors(old, obj metav1.Object, user identity.User) field.ErrorList {
	if o.keeper(user) {
		return nil
	}
	why := fmt.Sprintf("set by the creator at creation; afterwards only the tollgate operator and the garbage collector change them, and %s is neither", user)
	var errs field.ErrorList
	if !slices.Equal(old.GetFinalizers(), obj.GetFinalizers()) {
		errs = append(errs, field.Forbidden(field.NewPath("metadata", "finalizers"), why))
	}
	if !equality.Semantic.DeepEqual(old.GetOwnerReferences(), obj.GetOwnerReferences()) {
		errs = append(errs, field.Forbidden(field.NewPath("metadata", "ownerReferences"), why))
	}
	return errs
}
