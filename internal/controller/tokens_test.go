package controller_test

import (
	"errors"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/controller"
	"github.com/tollgate-dev/tollgate/internal/devenv"
	"github.com/tollgate-dev/tollgate/internal/tokenseal"
)

// suiteKeyring is the operators' task token keys, read from their Secret as a cluster
// administrator can.
func suiteKeyring() *tokenseal.Keyring {
	s := &corev1.Secret{}
	Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: devenv.OperatorNamespace, Name: "tollgate-token-key"}, s)).To(Succeed())
	k, err := tokenseal.New(s.Data)
	Expect(err).NotTo(HaveOccurred())
	return k
}

// tokenOf is a slot's task token as Step Functions issued it: status holds it sealed, and only
// the operator (or a cluster administrator, who can read its keys) opens it. Specs use it to
// play what an AWS principal who got the token elsewhere could do, and to count the calls made
// on it.
func tokenOf(obj *v1.ApprovalRequest, slot string) string {
	sealed := slotOf(obj, slot).TaskToken
	token, err := suiteKeyring().Open(sealed, controller.TokenBinding(obj, slot))
	if errors.Is(err, tokenseal.ErrNotSealed) {
		return sealed
	}
	Expect(err).NotTo(HaveOccurred())
	return token
}
