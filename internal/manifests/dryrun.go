package manifests

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// FieldOwner is the field manager of the dry-run applies.
const FieldOwner = "tollgate-install-check"

// DryRun applies every object with server-side apply and a dry-run (DryRun: All), so the API
// server validates each as it would install it — schema, defaulting, admission — and keeps
// nothing. The namespaces the objects live in are created for real first (Helm creates the
// release namespace with --create-namespace, the installer has a Namespace of its own).
// It returns every refusal.
func DryRun(ctx context.Context, c client.Client, objs []*unstructured.Unstructured) error {
	if err := ensureNamespaces(ctx, c, objs); err != nil {
		return err
	}
	var errs []error
	for _, obj := range objs {
		obj = obj.DeepCopy()
		obj.SetManagedFields(nil)
		err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(obj),
			client.FieldOwner(FieldOwner), client.ForceOwnership, client.DryRunAll)
		if err != nil {
			errs = append(errs, fmt.Errorf("the API server refuses %s %s/%s: %w", obj.GetKind(), obj.GetNamespace(), obj.GetName(), err))
		}
	}
	return errors.Join(errs...)
}

func ensureNamespaces(ctx context.Context, c client.Client, objs []*unstructured.Unstructured) error {
	for _, obj := range objs {
		name := obj.GetNamespace()
		if obj.GetKind() == "Namespace" {
			name = obj.GetName()
		}
		if name == "" {
			continue
		}
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
		if err := client.IgnoreAlreadyExists(c.Create(ctx, ns)); err != nil {
			return fmt.Errorf("creating namespace %s: %w", name, err)
		}
	}
	return nil
}
