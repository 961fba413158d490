package controller_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/devenv"
)

// status.waitingFor, the Waiting For column of `kubectl get approvalrequests`, says what a
// pending request waits for, from the same reading as its conditions' messages and the
// plugin's list and describe (approval.Read): the operator writes it, the schema bounds it.
var _ = Describe("What a request waits for", func() {
	var ns string
	var op *runningOperator
	withOperator("waiting", &ns, &op)

	// waiting is what a request's status says it waits for: the column and the Ready message.
	waiting := func(key client.ObjectKey) func(Gomega) []string {
		return func(g Gomega) []string {
			obj := getRequest(key)
			ready := meta.FindStatusCondition(obj.Status.Conditions, v1.ConditionReady)
			g.Expect(ready).NotTo(BeNil())
			return []string{obj.Status.WaitingFor, ready.Message}
		}
	}
	slot := func(name string) string { return name + " (" + person(name) + ")" }

	It("shrinks as slots are decided, names no decided slot, and is empty once the request ended", func() {
		key := newRequest(ns, "three", []string{"alice", "bob", "carol"}, 0)
		waitTokens(key, 3)
		Eventually(waiting(key), settle).Should(Equal([]string{
			slot("alice") + ", " + slot("bob") + ", " + slot("carol"), "0/3 approvals; waiting for alice, bob, carol"}))
		out := kubectl("get", "approvalrequests", "three", "-n", ns)
		Expect(out).To(ContainSubstring("WAITING FOR"))
		Expect(out).To(ContainSubstring(slot("alice") + ", " + slot("bob") + ", " + slot("carol")))

		annotate(key, "approvals.tollgate.dev/bob", "approve")
		Eventually(waiting(key), settle).Should(Equal([]string{slot("alice") + ", " + slot("carol"), "1/3 approvals; waiting for alice, carol"}))
		annotate(key, "approvals.tollgate.dev/alice", "approve")
		Eventually(waiting(key), settle).Should(Equal([]string{slot("carol"), "2/3 approvals; waiting for carol"}))
		Consistently(func() string { return getRequest(key).Status.WaitingFor }, "500ms").Should(Equal(slot("carol")))

		annotate(key, "approvals.tollgate.dev/carol", "approve")
		obj := waitPhase(key, v1.PhaseApproved)
		Expect(obj.Status.WaitingFor).To(BeEmpty())
		Expect(kubectl("get", "approvalrequests", "three", "-n", ns, "-o", "jsonpath={.status.waitingFor}")).To(BeEmpty())
	})
})

// Without an operator: the writes below are the only ones.
var _ = Describe("status.waitingFor", func() {
	It("is the operator's to write, and bounded by the schema", func() {
		key := newRequest(createNamespace("waiting-schema"), "bounded", []string{"alice"}, 0)
		write := func(who client.Client, value string) error {
			obj := getRequest(key)
			base := obj.DeepCopy()
			obj.Status.WaitingFor = value
			return who.Status().Patch(ctx, obj, client.MergeFrom(base))
		}
		operator := as(devenv.OperatorUsername)
		longest := strings.Repeat("é", v1.MaxWaitingForLength) // characters, not bytes
		Expect(write(operator, longest)).To(Succeed())
		Expect(getRequest(key).Status.WaitingFor).To(Equal(longest))
		expectRefusal(write(operator, longest+"x"), "status.waitingFor", "may not be more than 256")
		err := write(k8sClient, "nobody")
		Expect(err).To(MatchError(ContainSubstring("only the tollgate operator (" + devenv.OperatorUsername + ") writes the status of approvalrequests")))
		Expect(getRequest(key).Status.WaitingFor).To(Equal(longest), "nothing was written")
	})
})
