package devenv

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// admissionPolicyFiles are config/admission-policy's policies with their bindings, as
// config/default installs them (its replacements leave them as they are for its namespace and
// prefix, which are the environment's).
var admissionPolicyFiles = []string{"config/admission-policy/operator_secrets.yaml"}

// OperatorSecretsPolicy is the ValidatingAdmissionPolicy (and its binding) by which the
// operator's service account creates only its task token key Secret.
const OperatorSecretsPolicy = RolePrefix + "operator-secrets"

// waitOperatorSecretsPolicy returns once the API server enforces OperatorSecretsPolicy for the
// operator.
func (cp *ControlPlane) waitOperatorSecretsPolicy(ctx context.Context) error {
	c, err := client.New(cp.Operator, client.Options{Scheme: cp.Scheme})
	if err != nil {
		return fmt.Errorf("creating the operator's client: %w", err)
	}
	return WaitPolicyRefuses(ctx, c, OperatorSecretsPolicy,
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: OperatorNamespace, Name: "admission-policy-probe"}})
}

// WaitPolicyRefuses returns once the ValidatingAdmissionPolicy policy refuses c a dry-run
// create of obj: a policy takes effect a moment after it is created (when the API server's
// informers see it and its binding). Another refusal, such as RBAC's while a new RoleBinding is
// not seen yet, does not count. Nothing is stored.
func WaitPolicyRefuses(ctx context.Context, c client.Client, policy string, obj client.Object) error {
	var last error
	err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		last = c.Create(ctx, obj.DeepCopyObject().(client.Object), client.DryRunAll)
		return apierrors.IsForbidden(last) && strings.Contains(last.Error(), "'"+policy+"'"), nil
	})
	if wait.Interrupted(err) && ctx.Err() == nil {
		return fmt.Errorf("the ValidatingAdmissionPolicy %s is not in force after 30s: a dry-run create of %s %s got %v",
			policy, obj.GetObjectKind().GroupVersionKind().Kind, client.ObjectKeyFromObject(obj), last)
	}
	return err
}
