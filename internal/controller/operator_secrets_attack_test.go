package controller_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tollgate-dev/tollgate/internal/devenv"
	"github.com/tollgate-dev/tollgate/internal/operator"
	"github.com/tollgate-dev/tollgate/internal/stepfunctions"
)

// The operator's own Secrets, attacked: its Role lets it create Secrets in its namespace so that
// it can create its task token key on first start (RBAC cannot limit create to a name). Whoever
// acts as its service account creates nothing else there: no token Secret for another service
// account of the namespace (the token controller would fill it with that account's token), no
// Secret of another name, not the key's name with another type or a service-account
// annotation. The operator still creates its key, and an administrator any Secret.
var _ = Describe("The operator's Secrets, attacked", func() {
	tokenKey := client.ObjectKey{Namespace: devenv.OperatorNamespace, Name: operator.DefaultTokenKeySecret}

	// withoutTokenKey removes the token key as an administrator, and puts it back as it was when
	// the spec ends: the specs after it open the tokens of their requests with it.
	withoutTokenKey := func() {
		saved := &corev1.Secret{}
		err := k8sClient.Get(ctx, tokenKey, saved)
		if apierrors.IsNotFound(err) {
			suiteKeyring() // as the first operator would: the key the specs after this one use
			err = k8sClient.Get(ctx, tokenKey, saved)
		}
		Expect(err).NotTo(HaveOccurred())
		Expect(k8sClient.Delete(ctx, saved)).To(Succeed())
		DeferCleanup(func() {
			Expect(client.IgnoreNotFound(k8sClient.Delete(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: tokenKey.Namespace, Name: tokenKey.Name}}))).To(Succeed())
			Expect(k8sClient.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: saved.Namespace, Name: saved.Name, Labels: saved.Labels},
				Type: saved.Type, Data: saved.Data})).To(Succeed())
		})
	}

	// refused creates s acting as the operator's service account, and expects it refused saying
	// why, and nothing stored.
	refused := func(s *corev1.Secret, why string) {
		GinkgoHelper()
		err := as(devenv.OperatorUsername, devenv.OperatorGroups...).Create(ctx, s.DeepCopy())
		if err == nil {
			DeferCleanup(func() { Expect(client.IgnoreNotFound(k8sClient.Delete(ctx, s.DeepCopy()))).To(Succeed()) })
		}
		Expect(err).To(HaveOccurred(), "whoever acts as the operator created Secret %s/%s of type %s, annotations %v", s.Namespace, s.Name, s.Type, s.Annotations)
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "not a refusal: %v", err)
		Expect(err.Error()).To(ContainSubstring(why))
		err = k8sClient.Get(ctx, client.ObjectKeyFromObject(s), &corev1.Secret{})
		Expect(apierrors.IsNotFound(err)).To(BeTrue(), "Secret %s/%s is stored: %v", s.Namespace, s.Name, err)
	}

	// victim is another service account of the operator's namespace, which an attacker would
	// like a token of.
	victim := func() string {
		sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: devenv.OperatorNamespace, GenerateName: "victim-"}}
		Expect(k8sClient.Create(ctx, sa)).To(Succeed())
		DeferCleanup(func() { Expect(client.IgnoreNotFound(k8sClient.Delete(ctx, sa))).To(Succeed()) })
		return sa.Name
	}

	saToken := func(name, account string) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: devenv.OperatorNamespace, Name: name,
			Annotations: map[string]string{corev1.ServiceAccountNameKey: account}}, Type: corev1.SecretTypeServiceAccountToken}
	}

	It("whoever acts as the operator's service account creates no token Secret for another service account of its namespace", func() {
		refused(saToken("victim-token", victim()), "creates only its task token key Secret")
	})

	It("whoever acts as the operator's service account creates no Secret of another name", func() {
		refused(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: devenv.OperatorNamespace, Name: "not-the-token-key"},
			StringData: map[string]string{"password": "planted"}}, "creates only its task token key Secret")
	})

	It("whoever acts as the operator's service account creates the token key's name only as an Opaque Secret without a service-account annotation", func() {
		withoutTokenKey()
		account := victim()
		refused(saToken(tokenKey.Name, account), "of type Opaque, not "+string(corev1.SecretTypeServiceAccountToken))
		opaque := saToken(tokenKey.Name, account)
		opaque.Type = corev1.SecretTypeOpaque
		refused(opaque, "carries no service-account annotation")
	})

	It("the operator still creates its own token key on first start, and an administrator any Secret in its namespace", func() {
		withoutTokenKey()
		startOperator(stepfunctions.Wrap(sfnLocal.client, nil))
		key := &corev1.Secret{}
		Expect(k8sClient.Get(ctx, tokenKey, key)).To(Succeed(), "the operator did not create its token key")
		Expect(key.Type).To(Equal(corev1.SecretTypeOpaque))
		Expect(key.Labels).To(HaveKeyWithValue("app.kubernetes.io/managed-by", "tollgate"))
		Expect(key.Data).To(HaveKey("1"))

		By("an administrator creates any Secret there, a service-account token Secret included")
		for _, s := range []*corev1.Secret{
			{ObjectMeta: metav1.ObjectMeta{Namespace: devenv.OperatorNamespace, Name: "admins-own"}, StringData: map[string]string{"password": "admin"}},
			saToken("admins-token", victim()),
		} {
			Expect(k8sClient.Create(ctx, s)).To(Succeed())
			DeferCleanup(func() { Expect(client.IgnoreNotFound(k8sClient.Delete(ctx, s))).To(Succeed()) })
		}
	})
})
