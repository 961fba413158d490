package helm

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// checkOperatorSecretsPolicy: an installed release's admission policy is in force for its
// manager's service account (it takes effect a moment after Helm creates it): acting as that
// account, a Secret of another name is refused by it, and the token key Secret is admitted (as
// server-side dry-runs: nothing is stored).
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
	policy := "'" + fullname + "operator-secrets'"
	var last error
	err = wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		last = manager.Create(ctx, secret("not-the-token-key"), client.DryRunAll)
		return apierrors.IsForbidden(last) && strings.Contains(last.Error(), policy), nil
	})
	if err != nil {
		t.Errorf("%s: the release's policy %s does not refuse its manager a Secret of another name after 30s: %v", helm, policy, last)
	}
	if err := manager.Create(ctx, secret("tollgate-token-key"), client.DryRunAll); err != nil {
		t.Errorf("%s: the release's manager may not create its token key Secret: %v", helm, err)
	}
}
