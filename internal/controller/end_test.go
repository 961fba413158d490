package controller_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/watch"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// An end is written whole: whoever reads a request (kubectl wait, a GitOps health check, the
// plugin) never sees the phase of an end beside the conditions of a request still waiting.
var _ = Describe("The end of a request", func() {
	var ns string
	var op *runningOperator
	withOperator("end", &ns, &op)

	It("is written with its conditions and closed slots in one write, whichever way it is reported", func() {
		key := newRequest(ns, "whole", []string{"alice", "bob", "carol"}, 2)
		waitTokens(key, 3)
		w := watchRequest(key)
		defer w.Stop()

		annotate(key, "approvals.tollgate.dev/alice", "approve", "approvals.tollgate.dev/bob", "approve")
		By("the first version that says Approved says so everywhere")
		var ev watch.Event
		approved := func(e watch.Event) bool {
			r, ok := e.Object.(*v1.ApprovalRequest)
			return ok && r.Status.Phase == v1.PhaseApproved
		}
		Eventually(w.ResultChan(), settle).Should(Receive(&ev, Satisfy(approved)))
		obj := ev.Object.(*v1.ApprovalRequest)
		Expect(meta.IsStatusConditionTrue(obj.Status.Conditions, v1.ConditionReady)).To(BeTrue(), "Ready in %+v", obj.Status.Conditions)
		Expect(meta.IsStatusConditionTrue(obj.Status.Conditions, v1.ConditionApproved)).To(BeTrue())
		Expect(meta.FindStatusCondition(obj.Status.Conditions, v1.ConditionReconciling)).To(BeNil())
		Expect(slotOf(obj, "carol").Decision).To(Equal(v1.DecisionNotRequired))
		Eventually(func() []string { return eventReasons(key) }, settle).Should(ContainElement("Approved"), "the end is announced once written")
	})
})
