package ledger

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// SetConfigCondition writes a condition of a NotificationConfig or ClusterNotificationConfig
// (obj, as read) and the generation it was found for, as a merge patch of the status — only
// when either changed, so that a check that finds what it found before writes nothing (no
// resourceVersion moves, nobody watching is woken). A config deleted meanwhile needs none.
func SetConfigCondition(ctx context.Context, c client.Client, obj client.Object, cond metav1.Condition) error {
	base, ok := obj.DeepCopyObject().(client.Object)
	if !ok {
		return fmt.Errorf("copying %T", obj)
	}
	status, err := configStatus(obj)
	if err != nil {
		return err
	}
	if !setCondition(status, cond) {
		return nil
	}
	// IgnoreNotFound must come before wrapping: a wrapped nil is still an error.
	if err := client.IgnoreNotFound(c.Status().Patch(ctx, obj, client.MergeFrom(base))); err != nil {
		return fmt.Errorf("patching the status of %T %s: %w", obj, client.ObjectKeyFromObject(obj), err)
	}
	return nil
}

// configStatus is the status of either kind of notification config.
func configStatus(obj client.Object) (*v1.NotificationConfigStatus, error) {
	switch o := obj.(type) {
	case *v1.NotificationConfig:
		return &o.Status, nil
	case *v1.ClusterNotificationConfig:
		return &o.Status, nil
	}
	return nil, fmt.Errorf("%T is no notification config", obj)
}

// setCondition sets cond (its lastTransitionTime kept while its status stays) and the status's
// observedGeneration to cond's, and reports whether anything changed.
func setCondition(s *v1.NotificationConfigStatus, cond metav1.Condition) bool {
	changed := meta.SetStatusCondition(&s.Conditions, cond)
	if s.ObservedGeneration != cond.ObservedGeneration {
		s.ObservedGeneration = cond.ObservedGeneration
		changed = true
	}
	return changed
}
