package controller_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// Deletions as Kubernetes does them complete: tollgate's admission lets Kubernetes' own
// controllers do their part, and the operator releases what it holds. The test control plane
// runs no kube-controller-manager, so the specs make the calls its controllers make, as their
// identities (with --use-service-account-credentials, as kubeadm and managed control planes run
// them).
var _ = Describe("Deletion as Kubernetes does it", func() {
	var ns string
	var op *runningOperator
	withOperator("deletion", &ns, &op)

	const (
		namespaceController = "system:serviceaccount:kube-system:namespace-controller"
		garbageCollector    = "system:serviceaccount:kube-system:generic-garbage-collector"
	)

	It("a namespace with pending requests: the namespace controller deletes them, and they go", func() {
		a := newRequest(ns, "a", []string{"alice"}, 0)
		b := newRequest(ns, "b", []string{"alice", "bob"}, 0)
		waitTokens(a, 1)
		waitTokens(b, 2)
		approveDecision(b, "alice-ok", "alice", "")
		By("what the namespace controller deletes, one object after another, as itself")
		nsController := as(namespaceController, "system:serviceaccounts", "system:serviceaccounts:kube-system")
		for _, key := range []client.ObjectKey{a, b} {
			Expect(nsController.Delete(ctx, requestRef(key))).To(Succeed())
		}
		Expect(nsController.DeleteAllOf(ctx, &v1.ApproverDecision{}, client.InNamespace(ns))).To(Succeed())
		for _, key := range []client.ObjectKey{a, b} {
			Eventually(gone(requestRef(key)), settle).Should(BeTrue(), "%s goes once the operator stopped its execution", key)
		}
	})

	It("kubectl delete --cascade=foreground: the garbage collector deletes the decisions and releases the request", func() {
		key := newRequest(ns, "fg", []string{"alice", "bob"}, 0)
		waitTokens(key, 2)
		d := approveDecision(key, "alice-ok", "alice", "")
		waitDecisionPhase(d, v1.DecisionAccepted)
		foreground := metav1.DeletePropagationForeground
		Expect(as(requesterUser).Delete(ctx, requestRef(key), &client.DeleteOptions{PropagationPolicy: &foreground})).To(Succeed())
		Eventually(func() []string { return getRequest(key).Finalizers }, settle).Should(ConsistOf("foregroundDeletion"), "the operator released its own")

		By("the garbage collector deletes the dependents, then removes foregroundDeletion, as itself")
		gc := as(garbageCollector, "system:serviceaccounts", "system:serviceaccounts:kube-system")
		Expect(gc.Delete(ctx, &v1.ApproverDecision{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: d.Name}})).To(Succeed())
		Expect(patchAs(gc, requestRef(key), map[string]any{"metadata": map[string]any{"finalizers": nil, "resourceVersion": getRequest(key).ResourceVersion}})).To(Succeed())
		Eventually(gone(requestRef(key)), settle).Should(BeTrue())
	})
})
