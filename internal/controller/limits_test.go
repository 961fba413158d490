package controller_test

import (
	"fmt"
	"strings"

	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/runtime"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// Input at the edges of what the API allows works end to end, and just past them gets a clear
// error: never a crash, never a stuck request.
var _ = Describe("Input at its limits", func() {
	var ns string
	var op *runningOperator
	withOperator("limits", &ns, &op)

	It("takes the most approvers allowed, with the longest slot names and comments and a payload near 256 KiB", func() {
		slots := make([]string, 0, 40)
		for i := range 40 {
			slots = append(slots, fmt.Sprintf("%02d-%s", i, strings.Repeat("s", 52))) // 55 characters
		}
		key := newRequest(ns, "widest", slots, 0, func(r *v1.ApprovalRequest) {
			r.Spec.Payload = &runtime.RawExtension{Raw: []byte(`{"blob":"` + strings.Repeat("x", 240*1024) + `"}`)}
		})
		waitLargeRequestTokens(key, 40)
		// 40 slots of 55 characters do not fit the column: it names what does and counts the rest.
		Eventually(func() string { return getRequest(key).Status.WaitingFor }, settle).Should(Equal(slots[0] + " (" + person(slots[0]) + ") and 39 more"))
		for _, s := range slots {
			annotate(key, v1.DecisionAnnotationPrefix+s, "approve", v1.DecisionAnnotationPrefix+s+v1.DecisionCommentSuffix, strings.Repeat("c", v1.MaxCommentLength))
		}
		obj := waitPhase(key, v1.PhaseApproved)
		Expect(obj.Status.Approvals).To(Equal("40/40"))
		waitExecution(obj, sfntypes.ExecutionStatusSucceeded, "")
	})

	It("refuses a comment one character over the limit and a slot name one over, naming the field", func() {
		key := newRequest(ns, "edges", []string{"alice", "bob"}, 0)
		waitTokens(key, 2)
		err := annotateAs(as(person("alice"), approversGroup), key, "approvals.tollgate.dev/alice", "approve",
			"approvals.tollgate.dev/alice.comment", strings.Repeat("c", v1.MaxCommentLength+1))
		Expect(err).To(MatchError(ContainSubstring("metadata.annotations[approvals.tollgate.dev/alice.comment]: Too long")))
		long := strings.Repeat("s", 56)
		err = annotateAs(as(person("alice"), approversGroup), key, "approvals.tollgate.dev/"+long, "approve")
		Expect(err).To(HaveOccurred(), "a 56-character slot name cannot be an annotation key of 63 characters with its prefix, or is no slot")
		annotate(key, "approvals.tollgate.dev/alice", "approve", "approvals.tollgate.dev/bob", "approve")
		waitPhase(key, v1.PhaseApproved)
	})
})
