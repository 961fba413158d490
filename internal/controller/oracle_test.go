package controller_test

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/devenv"
	webhookv1 "github.com/tollgate-dev/tollgate/internal/webhook/v1alpha1"
)

// No oracle (issue "Trust II-b"): nothing a caller can obtain from tollgate — by calling an
// endpoint it serves, or through the API server (a server-side dry-run returns what admission
// wrote) — helps anyone decide. The material is tried where it could count: written into the
// ledger by someone acting as the operator, and planted while tollgate's admission is away.
var _ = Describe("No oracle", func() {
	var ns string
	var op *runningOperator
	withOperator("oracle", &ns, &op)

	// obtained is everything a direct caller claiming alice gets from every endpoint tollgate
	// serves: the request webhook's record and the decision webhook's.
	obtained := func(key client.ObjectKey) map[string]string {
		got := map[string]string{}
		if a := claimDecision(key, "alice", person("alice"), approversGroup); a != nil {
			got["request webhook"] = a["approvals.tollgate.dev/alice.record"]
		}
		got["decision webhook"] = claimDecisionObject(key, "alice", person("alice"), approversGroup)
		return got
	}

	It("what a direct call to the webhooks returns, written into the ledger as the operator, decides nothing", func() {
		key := newRequest(ns, "direct", []string{"alice", "bob"}, 0)
		waitTokens(key, 2)
		By("the validating endpoints answer allowed or refused, and write nothing")
		for _, path := range []string{webhookv1.RequestGuardPath, webhookv1.DecisionGuardPath, webhookv1.StatusPath} {
			resp := callWebhook(path, claimRequest(key, "alice", person("alice"), approversGroup))
			Expect(resp.Patch).To(BeEmpty(), "%s answered with a patch", path)
		}
		for endpoint, record := range obtained(key) {
			err := writeLedgerEntry(as(devenv.OperatorUsername), key, "alice", person("alice"), record)
			Expect(err).To(refusedWith("the decision of slot alice is not on record"), "the %s's answer", endpoint)
		}
		undecided(key, "alice")
	})

	It("what a server-side dry-run returns decides nothing, in anyone's hands", func() {
		key := newRequest(ns, "dry-run", []string{"alice", "bob"}, 0)
		waitTokens(key, 2)
		record := dryRunDecision(key, "alice")
		Expect(record).NotTo(BeEmpty(), "the dry-run answered what admission wrote")
		Expect(getRequest(key).Annotations).NotTo(HaveKey("approvals.tollgate.dev/alice"))

		By("mallory writes it as alice's decision")
		Expect(annotateAs(as("mallory@example.com", approversGroup), key, "approvals.tollgate.dev/alice", "approve", "approvals.tollgate.dev/alice.record", record)).To(HaveOccurred())
		By("someone acting as the operator writes it into the ledger")
		Expect(writeLedgerEntry(as(devenv.OperatorUsername), key, "alice", person("alice"), record)).To(refusedWith("the decision of slot alice is not on record"))
		undecided(key, "alice")

		By("alice decides for real afterwards")
		annotate(key, "approvals.tollgate.dev/alice", "approve")
		Eventually(func() *metav1.Time { return slotOf(getRequest(key), "alice").SentAt }, settle).ShouldNot(BeNil())
	})

	It("a request of the largest admitted shape, decided by a user in 1,000 groups", func() {
		key := newRequest(ns, "largest", nil, 0, largestShape)
		waitLargeRequestTokens(key, 40)
		groups := make([]string, 0, 1000)
		for i := range 999 {
			groups = append(groups, groupName(i))
		}
		groups = append(groups, approversGroup)
		annotate40 := map[string]any{"approvals.tollgate.dev/slot-00": "approve", "approvals.tollgate.dev/slot-00.comment": longText(v1.MaxCommentLength)}
		big := as("erin@example.com", groups...)
		Expect(patchAs(big, requestRef(key), withAnnotations(map[string]any{}, annotate40))).To(Succeed())
		Eventually(func() string { return slotOf(getRequest(key), "slot-00").DecidedBy }, settle).Should(Equal("erin@example.com"))

		By("it goes, and its execution with it: 39 open tasks of 300 KB requests kept the next spec's operator busy past its wait")
		Expect(k8sClient.Delete(ctx, requestRef(key))).To(Succeed())
		Eventually(gone(requestRef(key)), settle).Should(BeTrue())
	})

	Context("past tollgate's admission", Serial, func() {
		It("a mutating webhook of someone else's that rewrites the decision after tollgate's: the write is refused", func() {
			key := newRequest(ns, "hostile", []string{"alice", "mallory"}, 0)
			waitTokens(key, 2)
			record := claimDecision(key, "alice", person("alice"), approversGroup)["approvals.tollgate.dev/alice.record"]
			stop := hostileWebhook(ns, "mallory@example.com", map[string]string{
				"approvals.tollgate.dev/alice": "approve", "approvals.tollgate.dev/alice.record": record,
			})
			defer stop()
			By("any write of mallory's becomes alice's decision once the webhook is in force: each is refused")
			writes := 0
			Eventually(func() error {
				writes++
				return annotateAs(as("mallory@example.com", approversGroup), key, "example.com/note", strconv.Itoa(writes))
			}, settle, 50*time.Millisecond).Should(HaveOccurred())
			Expect(getRequest(key).Annotations).NotTo(HaveKey("approvals.tollgate.dev/alice"))
			undecided(key, "alice")
		})

		It("a decision planted while tollgate's admission is away, with a record obtained from the webhook: nothing reaches Step Functions, and the request says why", func() {
			key := newRequest(ns, "gap", []string{"alice", "bob"}, 0)
			waitTokens(key, 2)
			record := claimDecision(key, "alice", person("alice"), approversGroup)["approvals.tollgate.dev/alice.record"]
			withoutWebhooks(func() {
				Eventually(func() error {
					return annotateAs(as("mallory@example.com", approversGroup), key, "approvals.tollgate.dev/alice", "approve", "approvals.tollgate.dev/alice.record", record)
				}, settle, 20*time.Millisecond).Should(Succeed(), "the webhooks are gone")
			})
			Eventually(func() []string { return eventNotes(key, "DecisionRefused") }, settle).Should(ContainElement(ContainSubstring("tollgate's admission was not in force")))
			undecided(key, "alice")
		})
	})
})

// groupName is the i-th of a user's many long group names.
func groupName(i int) string { return fmt.Sprintf("%s-%04d", strings.Repeat("group", 48), i) }

// largestShape makes a request as large as the API admits: 40 slots of 20 users and 20 groups
// of long names (slot-00's last group is one of erin's), the longest description and a large
// payload.
func largestShape(r *v1.ApprovalRequest) {
	r.Spec.Description = longText(2048)
	r.Spec.Approvers = nil
	for slot := range 40 {
		a := v1.Approver{Name: fmt.Sprintf("slot-%02d", slot)}
		for j := range 20 {
			a.Users = append(a.Users, fmt.Sprintf("%s-%02d-%02d@example.com", strings.Repeat("u", 230), slot, j))
			a.Groups = append(a.Groups, fmt.Sprintf("%s-%02d-%02d", strings.Repeat("g", 240), slot, j))
		}
		r.Spec.Approvers = append(r.Spec.Approvers, a)
	}
	r.Spec.Approvers[0].Groups[19] = groupName(998)
	r.Spec.Payload = &runtime.RawExtension{Raw: mustJSON(map[string]string{"blob": longText(100 * 1024)})}
}
