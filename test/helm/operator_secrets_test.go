package helm

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tollgate-dev/tollgate/internal/devenv"
)

// checkOperatorSecretsPolicy: an installed release's admission policy is in force for its
// manager's service account: acting as that account, a Secret of another name is refused by
// it, and the token key Secret is admitted (as server-side dry-runs: nothing is stored).
func checkOperatorSecretsPolicy(t *testing.T, helm, ns, fullname string) {
	t.Helper()
	ctx := context.Background()
	account := "system:serviceaccount:" + ns + ":" + fullname + "controller-manager"
	manager, err := cp.ClientAs(account, "system:serviceaccounts", "system:serviceaccounts:"+ns)
	if err != nil {
		t.Fatal(err)
	}
	secret := func(name string) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Type: corev1.SecretTypeOpaque}
	}
	if err := devenv.WaitPolicyRefuses(ctx, manager, fullname+"operator-secrets", secret("not-the-token-key")); err != nil {
		t.Errorf("%s: the release's manager may create a Secret of another name: %v", helm, err)
	}
	if err := manager.Create(ctx, secret("tollgate-token-key"), client.DryRunAll); err != nil {
		t.Errorf("%s: the release's manager may not create its token key Secret: %v", helm, err)
	}
}
