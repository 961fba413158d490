package devenv

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tollgate-dev/tollgate/internal/manifests"
)

// applyFile creates or updates every object of a YAML file, named as config/default names them
// (prefix) and, when namespaced, in namespace.
func applyFile(ctx context.Context, c client.Client, path, prefix, namespace string) error {
	objs, err := manifests.DecodeFile(path)
	if err != nil {
		return err
	}
	for _, obj := range objs {
		kustomize(obj, prefix, namespace)
		if err := ensure(ctx, c, obj); err != nil {
			return fmt.Errorf("applying %s %s from %s: %w", obj.GetKind(), obj.GetName(), path, err)
		}
	}
	return nil
}

// kustomize does to obj what config/default's namePrefix and namespace do: the prefix on its
// name, on the role a binding refers to and on the service accounts it binds, and on the policy
// an admission policy binding refers to (config/admission-policy's kustomizeconfig.yaml); the
// namespace on namespaced objects and on those service accounts.
func kustomize(obj *unstructured.Unstructured, prefix, namespace string) {
	obj.SetName(prefix + obj.GetName())
	kind := obj.GetKind()
	if policy, ok, _ := unstructured.NestedString(obj.Object, "spec", "policyName"); ok && kind == "ValidatingAdmissionPolicyBinding" {
		_ = unstructured.SetNestedField(obj.Object, prefix+policy, "spec", "policyName") // spec is an object: cannot fail
	}
	if obj.GetNamespace() != "" || kind == "Role" || kind == "RoleBinding" {
		obj.SetNamespace(namespace)
	}
	if kind != "RoleBinding" && kind != "ClusterRoleBinding" {
		return
	}
	if name, ok, _ := unstructured.NestedString(obj.Object, "roleRef", "name"); ok {
		_ = unstructured.SetNestedField(obj.Object, prefix+name, "roleRef", "name") // roleRef is an object: cannot fail
	}
	subjects, _, _ := unstructured.NestedSlice(obj.Object, "subjects")
	for _, s := range subjects {
		if m, ok := s.(map[string]any); ok && m["kind"] == rbacv1.ServiceAccountKind {
			m["name"], m["namespace"] = prefix+fmt.Sprint(m["name"]), namespace
		}
	}
	_ = unstructured.SetNestedSlice(obj.Object, subjects, "subjects") // subjects is a list: cannot fail
}

// ensure creates obj, or replaces the existing object of its name with it.
func ensure(ctx context.Context, c client.Client, obj *unstructured.Unstructured) error {
	err := c.Create(ctx, obj)
	if !apierrors.IsAlreadyExists(err) {
		return err
	}
	existing := &unstructured.Unstructured{}
	existing.SetGroupVersionKind(obj.GroupVersionKind())
	if err := c.Get(ctx, client.ObjectKeyFromObject(obj), existing); err != nil {
		return err
	}
	obj.SetResourceVersion(existing.GetResourceVersion())
	return c.Update(ctx, obj)
}

// subjectsName is a short, stable name for a set of subjects (for binding names).
func subjectsName(subjects []rbacv1.Subject) string {
	parts := make([]string, 0, len(subjects))
	for _, s := range subjects {
		parts = append(parts, s.Kind+":"+s.Namespace+":"+s.Name)
	}
	sum := sha256.Sum256([]byte(strings.Join(parts, ",")))
	return hex.EncodeToString(sum[:6])
}
