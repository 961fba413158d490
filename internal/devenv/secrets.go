package devenv

import (
	"context"
	"fmt"
	"slices"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// SecretsRole is the Role (and its RoleBinding) by which a namespace's administrators let
// tollgate read the Secrets its notification channels name, as docs/notifications.md shows.
const SecretsRole = "tollgate-notification-secrets"

// GrantSecrets lets the operator get the named Secrets of namespace, as someone who may read
// them does (RBAC refuses the grant to anyone else): the Role SecretsRole names them, adding
// to the names it has, and a RoleBinding binds it to the operator's service account. It
// returns once the authorizer allows the reads.
func (cp *ControlPlane) GrantSecrets(ctx context.Context, namespace string, names ...string) error {
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: SecretsRole}}
	err := cp.Client.Get(ctx, client.ObjectKeyFromObject(role), role)
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("reading the Role %s/%s: %w", namespace, SecretsRole, err)
	}
	var granted []string
	if len(role.Rules) > 0 {
		granted = role.Rules[0].ResourceNames
	}
	all := slices.Compact(slices.Sorted(slices.Values(slices.Concat(granted, names))))
	role.Rules = []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, ResourceNames: all, Verbs: []string{"get"}}}
	if apierrors.IsNotFound(err) {
		err = cp.Client.Create(ctx, role)
	} else {
		err = cp.Client.Update(ctx, role)
	}
	if err != nil {
		return fmt.Errorf("granting tollgate the Secrets %v of %s: %w", names, namespace, err)
	}
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: SecretsRole},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: SecretsRole},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: OperatorNamespace, Name: OperatorServiceAccount}},
	}
	if err := cp.Client.Create(ctx, binding); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("binding %s/%s to tollgate: %w", namespace, SecretsRole, err)
	}
	for _, name := range names {
		if err := cp.WaitAllowedTo(ctx, OperatorUsername, OperatorGroups, Resource(namespace, "", "secrets", name, "get")); err != nil {
			return fmt.Errorf("granting tollgate the Secret %s/%s: %w", namespace, name, err)
		}
	}
	return nil
}
