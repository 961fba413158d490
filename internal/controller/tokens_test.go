package controller_test

import (
	"errors"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/controller"
	"github.com/tollgate-dev/tollgate/internal/devenv"
	"github.com/tollgate-dev/tollgate/internal/operator"
	"github.com/tollgate-dev/tollgate/internal/tokenseal"
)

// suiteKeyring is the operators' task token keys, read from their Secret as a cluster
// administrator can, or created as the first operator would (specs of the schema run before
// any operator has started).
func suiteKeyring() *tokenseal.Keyring {
	k, err := operator.TokenKeyring(ctx, k8sClient, k8sClient, client.ObjectKey{Namespace: devenv.OperatorNamespace, Name: operator.DefaultTokenKeySecret})
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
