package controller_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/devenv"
	"github.com/tollgate-dev/tollgate/internal/identity"
	"github.com/tollgate-dev/tollgate/internal/identity/identitytest"
	"github.com/tollgate-dev/tollgate/internal/stepfunctions"
)

// An upgrade from signed records (version 1): a request pending with the records of that time
// stays decidable, the decision it recorded counts, and the key's Secret goes once no pending
// request needs it.
var _ = Describe("Upgrade from signed records", Serial, func() {
	It("keeps a pending request of before decidable, delivers its recorded decision once, and retires the key after", func() {
		ns := createNamespace("upgrade")
		secret := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: devenv.OperatorNamespace, Name: "tollgate-record-key"},
			Data:       map[string][]byte{"record-key": legacyKey},
		}
		op := startOperator(stepfunctions.Wrap(sfnLocal.client, nil))
		key := newRequest(ns, "legacy", []string{"alice", "bob"}, 0)
		waitTokens(key, 2)
		op.stop()

		By("the request as the operator of before left it: a signed requester record, alice's signed decision recorded in the ledger, not yet sent")
		obj := getRequest(key)
		requester, err := identity.NewRequester(obj, identity.User{Username: requesterUser}, time.Now())
		Expect(err).NotTo(HaveOccurred())
		requesterRecord, err := identitytest.SignRequester(legacyKey, requester)
		Expect(err).NotTo(HaveOccurred())
		alice, err := identitytest.SignDecision(legacyKey, identity.NewDecision(obj, "alice", v1.DecisionApprove, "", identity.ViaAnnotation, identity.User{Username: person("alice")}, time.Now()))
		Expect(err).NotTo(HaveOccurred())
		withoutWebhooks(func() {
			Eventually(func() error {
				return annotateAs(k8sClient, key, v1.RequesterAnnotation, requesterRecord, "approvals.tollgate.dev/alice", "approve", "approvals.tollgate.dev/alice.record", alice)
			}, settle, 20*time.Millisecond).Should(Succeed())
			Expect(writeLedgerEntry(as(devenv.OperatorUsername), key, "alice", person("alice"), alice)).To(Succeed())
		})

		Expect(k8sClient.Create(ctx, secret)).To(Succeed())

		By("the operator of now")
		op = startOperator(stepfunctions.Wrap(sfnLocal.client, nil))
		defer op.stop()
		token := tokenOf(getRequest(key), "alice")
		Eventually(func() *metav1.Time { return slotOf(getRequest(key), "alice").SentAt }, settle).ShouldNot(BeNil())
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(secret), &corev1.Secret{})).To(Succeed(), "a pending request still needs the key")
		annotate(key, "approvals.tollgate.dev/bob", "approve")
		obj = waitPhase(key, v1.PhaseApproved)
		Expect(slotOf(obj, "alice").DecidedBy).To(Equal(person("alice")))
		Expect(sfnLocal.sendsFor(token)).To(Equal(1))

		By("no pending request needs the key any more: its Secret goes")
		Eventually(gone(secret), settle).Should(BeTrue())
	})
})
