package controller_test

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/operator"
	"github.com/tollgate-dev/tollgate/internal/stepfunctions"
)

// What scale asks of the operator, spec by spec (make bench measures it at 1,000 and 10,000
// pending requests): Step Functions is asked only what status cannot say.
var _ = Describe("Scale", func() {
	var ns string
	BeforeEach(func() { ns = createNamespace("scale") })
	quietIdle := func(c *operator.Config) { c.Lifecycle.IdleFollowDelay = time.Hour }

	It("requests waiting for people cost no DescribeExecution, at their start nor when a restarted operator resumes them: status is the ledger", func() {
		op := startOperatorWith(stepfunctions.Wrap(sfnLocal.client, nil), quietIdle)
		keys := make([]client.ObjectKey, 4)
		arns := make([]string, len(keys))
		for i := range keys {
			keys[i] = newRequest(ns, fmt.Sprintf("waiting-%d", i), []string{"alice"}, 0)
		}
		for i, k := range keys {
			arns[i] = waitTokens(k, 1).Status.ExecutionARN
		}
		op.stop()
		op = startOperatorWith(stepfunctions.Wrap(sfnLocal.client, nil), quietIdle)
		defer op.stop()

		By("a decision on one of them flows: the restarted operator is at work")
		token := tokenOf(getRequest(keys[0]), "alice")
		annotate(keys[0], "approvals.tollgate.dev/alice", "approve")
		Eventually(func() int { return sfnLocal.sendsFor(token) }, settle).Should(Equal(1))

		describes := func() int {
			n := 0
			for _, arn := range arns[1:] {
				n += sfnLocal.callsAbout("DescribeExecution", arn)
			}
			return n
		}
		Consistently(describes, "3s", 100*time.Millisecond).Should(BeZero(),
			"requests that wait for people were described; the outcome arrives by the activity, and the idle check is an hour away")
		waitPhase(keys[0], v1.PhaseApproved) // ended here, not by the next spec's operator
	})

	It("a decision that leaves the verdict open costs no DescribeExecution: only a decided execution is looked at soon", func() {
		op := startOperatorWith(stepfunctions.Wrap(sfnLocal.client, nil), quietIdle)
		defer op.stop()
		key := newRequest(ns, "half-decided", []string{"alice", "bob"}, 0)
		obj := waitTokens(key, 2)
		token := tokenOf(obj, "alice")
		annotate(key, "approvals.tollgate.dev/alice", "approve")
		Eventually(func() int { return sfnLocal.sendsFor(token) }, settle).Should(Equal(1))
		Consistently(func() int { return sfnLocal.callsAbout("DescribeExecution", obj.Status.ExecutionARN) }, "3s", 100*time.Millisecond).
			Should(BeZero(), "bob has yet to decide: the execution waits for him, and says so itself when it ends")
	})
})
