package controller_test

import (
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/devenv"
)

// Fail closed: the routes an attacker took past tollgate's admission once the front doors held
// (issue "Trust II-a"). mallory holds the approver role but is in no slot; the namespace's
// requester created the requests. Each route is tried as she tried it, on the real API server,
// and asserts what must not happen: no decision in anyone's name, nothing sent to Step
// Functions, no end the ledger did not produce.
var _ = Describe("Fail closed", func() {
	var ns string
	var op *runningOperator
	withOperator("closed", &ns, &op)

	mallory := func() client.Client { return as("mallory@example.com", approversGroup) }

	It("route 1: records obtained from the webhook for alice and bob, written by mallory with an undecodable status, decide nothing", func() {
		key := newRequest(ns, "forged-pair", []string{"alice", "bob"}, 0)
		waitTokens(key, 2)
		By("the webhook, called directly, signs a record for whoever the caller claims to be (the oracle: the next issue's)")
		alice := claimDecision(key, "alice", person("alice"), approversGroup)
		bob := claimDecision(key, "bob", person("bob"), approversGroup)
		Expect(alice).To(HaveKey("approvals.tollgate.dev/alice.record"))
		Expect(bob).To(HaveKey("approvals.tollgate.dev/bob.record"))

		By("mallory writes both decisions with their records, in a patch whose status does not decode")
		err := patchAs(mallory(), requestRef(key), withAnnotations(undecodable, map[string]any{
			"approvals.tollgate.dev/alice": "approve", "approvals.tollgate.dev/alice.record": alice["approvals.tollgate.dev/alice.record"],
			"approvals.tollgate.dev/bob": "approve", "approvals.tollgate.dev/bob.record": bob["approvals.tollgate.dev/bob.record"],
		}))
		Expect(err).To(refusedWith("mallory@example.com may not decide slot alice"))
		Expect(getRequest(key).Annotations).NotTo(HaveKey("approvals.tollgate.dev/alice"))
		undecided(key, "alice", "bob")

		By("the same records in a patch that decodes: refused too")
		err = patchAs(mallory(), requestRef(key), withAnnotations(map[string]any{}, map[string]any{
			"approvals.tollgate.dev/alice": "approve", "approvals.tollgate.dev/alice.record": alice["approvals.tollgate.dev/alice.record"],
		}))
		Expect(err).To(refusedWith("mallory@example.com may not decide slot alice"))
		undecided(key, "alice", "bob")
	})

	It("route 2: the requester's record cannot be removed, by an undecodable patch or otherwise", func() {
		key := newRequest(ns, "veto", []string{"alice"}, 0)
		waitTokens(key, 1)
		requester := getRequest(key).Annotations[v1.RequesterAnnotation]
		Expect(requester).NotTo(BeEmpty())
		_ = patchAs(mallory(), requestRef(key), withAnnotations(undecodable, map[string]any{v1.RequesterAnnotation: nil}))
		_ = patchAs(mallory(), requestRef(key), withAnnotations(map[string]any{}, map[string]any{v1.RequesterAnnotation: nil}))
		Expect(getRequest(key).Annotations).To(HaveKeyWithValue(v1.RequesterAnnotation, requester))
		By("alice can still decide")
		annotate(key, "approvals.tollgate.dev/alice", "approve")
		waitPhase(key, v1.PhaseApproved)
	})

	It("route 3: nothing is planted past the checks: no key that breaks later writes, no decision for a request that does not exist", func() {
		key := newRequest(ns, "planted", []string{"alice"}, 0)
		waitTokens(key, 1)
		err := patchAs(mallory(), requestRef(key), withAnnotations(undecodable, map[string]any{"approvals.tollgate.dev/Not_A_Slot": "x"}))
		Expect(err).To(refusedWith(`metadata.annotations[approvals.tollgate.dev/Not_A_Slot]`))
		Expect(getRequest(key).Annotations).NotTo(HaveKey("approvals.tollgate.dev/Not_A_Slot"))

		By("an ApproverDecision for a request that does not exist, with a status that does not decode")
		u := map[string]any{
			"apiVersion": v1.GroupVersion.String(), "kind": "ApproverDecision",
			"metadata": map[string]any{"name": "ghost-approval", "namespace": ns},
			"spec":     map[string]any{"approvalRequestName": "ghost", "approver": "mallory", "decision": "Approve"},
			"status":   map[string]any{"observedGeneration": "x"},
		}
		Expect(createUnstructured(mallory(), u)).To(refusedWith(`ApprovalRequest "ghost" does not exist`))

		By("alice's own decision is not blocked by anything mallory tried")
		annotate(key, "approvals.tollgate.dev/alice", "approve")
		waitPhase(key, v1.PhaseApproved)
	})

	It("route 4: a written end is never read back: Approved written as the operator is refused, and no watcher sees it", func() {
		key := newRequest(ns, "written-end", []string{"alice", "bob"}, 0)
		waitTokens(key, 2)
		w := watchRequest(key)
		defer w.Stop()

		By("someone who can act as the operator writes an approval nobody gave")
		now := metav1.Now()
		forged := map[string]any{"status": map[string]any{
			"phase": "Approved", "completedAt": now.UTC().Format(time.RFC3339),
			"conditions": []any{
				map[string]any{"type": "Approved", "status": "True", "reason": "Approved", "message": "forged", "lastTransitionTime": now.UTC().Format(time.RFC3339)},
				map[string]any{"type": "Ready", "status": "True", "reason": "Approved", "message": "forged", "lastTransitionTime": now.UTC().Format(time.RFC3339)},
			},
		}}
		err := as(devenv.OperatorUsername).Status().Patch(ctx, requestRef(key), client.RawPatch("application/merge-patch+json", mustJSON(forged)))
		Expect(err).To(refusedWith("Approved", "0/2 verified approvals"))
		for _, phase := range []string{"Rejected", "Expired"} {
			err = as(devenv.OperatorUsername).Status().Patch(ctx, requestRef(key), client.RawPatch("application/merge-patch+json", mustJSON(map[string]any{"status": map[string]any{"phase": phase}})))
			Expect(err).To(refusedWith(phase), "a forged %s is a veto", phase)
		}
		undecided(key, "alice", "bob")

		By("the real approvers approve, and the first version any watcher sees approved carries their decisions")
		annotate(key, "approvals.tollgate.dev/alice", "approve", "approvals.tollgate.dev/bob", "approve")
		approvedTrue := func(e watch.Event) bool {
			r, ok := e.Object.(*v1.ApprovalRequest)
			return ok && meta.IsStatusConditionTrue(r.Status.Conditions, v1.ConditionApproved)
		}
		var ev watch.Event
		Eventually(w.ResultChan(), settle).Should(Receive(&ev, Satisfy(approvedTrue)))
		seen := ev.Object.(*v1.ApprovalRequest)
		Expect(seen.Status.Phase).To(Equal(v1.PhaseApproved))
		Expect(slotOf(seen, "alice").DecidedBy).To(Equal(person("alice")))
		Expect(slotOf(seen, "bob").DecidedBy).To(Equal(person("bob")))
	})

	It("route 4, where admission cannot see the execution: a forged Failed or Aborted is put back to Pending, with a Warning and a reason", func() {
		for _, phase := range []v1.Phase{v1.PhaseFailed, v1.PhaseAborted} {
			key := newRequest(ns, "forged-"+strings.ToLower(string(phase)), []string{"alice", "bob"}, 0)
			waitTokens(key, 2)
			By("the operator's identity writes " + string(phase) + " with every slot closed")
			operatorClient := as(devenv.OperatorUsername)
			wiped := map[string]any{"status": map[string]any{"phase": string(phase), "approvers": []any{
				map[string]any{"name": "alice", "decision": "NotRequired"}, map[string]any{"name": "bob", "decision": "NotRequired"},
			}}}
			Expect(operatorClient.Status().Patch(ctx, requestRef(key), client.RawPatch("application/merge-patch+json", mustJSON(wiped)))).To(
				refusedWith("the task token of slot alice is replaced only by the next one Step Functions issues, never removed"), "a merge patch of the list drops the tokens")
			forged := getRequest(key)
			forged.Status.Phase = phase
			for i := range forged.Status.Approvers {
				forged.Status.Approvers[i].Decision = v1.DecisionNotRequired
			}
			Expect(operatorClient.Status().Update(ctx, forged)).To(Succeed())
			Eventually(func(g Gomega) {
				obj := getRequest(key)
				g.Expect(obj.Status.Phase).To(Equal(v1.PhasePending))
				g.Expect(obj.Status.CompletedAt).To(BeNil())
				c := meta.FindStatusCondition(obj.Status.Conditions, v1.ConditionReady)
				g.Expect(c).NotTo(BeNil())
				g.Expect(slotOf(obj, "alice").Decision).To(BeEmpty())
				g.Expect(obj.Finalizers).To(ContainElement(v1.StopExecutionFinalizer))
			}, settle).Should(Succeed())
			Eventually(func() []string { return eventNotes(key, v1.ReasonUnconfirmedEnd) }, settle).Should(ContainElement(ContainSubstring("still running")))
			Expect(execution(getRequest(key)).Status).To(BeEquivalentTo("RUNNING"))
			annotate(key, "approvals.tollgate.dev/alice", "approve", "approvals.tollgate.dev/bob", "approve")
			waitPhase(key, v1.PhaseApproved)
		}
	})

	It("route 5: a decision carries only its decider's words: nobody else's comment annotation on a slot", func() {
		key := newRequest(ns, "words", []string{"alice", "bob"}, 0)
		waitTokens(key, 2)
		err := annotateAs(mallory(), key, "approvals.tollgate.dev/alice.comment", "ship it, no review needed")
		Expect(err).To(refusedWith("approvals.tollgate.dev/alice.comment", "a comment is written with its decision"))
		Expect(getRequest(key).Annotations).NotTo(HaveKey("approvals.tollgate.dev/alice.comment"))
		annotate(key, "approvals.tollgate.dev/alice", "approve")
		Eventually(func() *metav1.Time { return slotOf(getRequest(key), "alice").SentAt }, settle).ShouldNot(BeNil())
		Expect(slotOf(getRequest(key), "alice").Comment).To(BeEmpty())
	})

	It("route 6: a comment annotation at creation, over-long or not, is refused: no slot is blocked from birth", func() {
		for _, comment := range []string{longText(1500), "pre-approved"} {
			req := requestObject(ns, "born-"+strconv.Itoa(len(comment)), []string{"alice"}, 0, func(r *v1.ApprovalRequest) {
				r.Annotations = map[string]string{"approvals.tollgate.dev/alice.comment": comment}
			})
			Expect(as(requesterUser).Create(ctx, req)).To(refusedWith("metadata.annotations[approvals.tollgate.dev/alice.comment]"))
		}
	})

	It("route 7: a requester deletes only the requests they created", func() {
		key := newRequest(ns, "theirs", []string{"alice"}, 0)
		waitTokens(key, 1)
		By("another requester of the namespace")
		Expect(env.ControlPlane.Grant(ctx, devenv.RoleRequester, ns, devenv.Users("ravi@example.com")...)).To(Succeed())
		err := as("ravi@example.com").Delete(ctx, requestRef(key))
		Expect(err).To(refusedWith("ravi@example.com may delete only the ApprovalRequests they created", requesterUser))
		Expect(getRequest(key).DeletionTimestamp).To(BeNil())
		By("its creator")
		Expect(as(requesterUser).Delete(ctx, requestRef(key))).To(Succeed())
		Eventually(gone(requestRef(key)), settle).Should(BeTrue())
	})

	It("metadata that can hurt: finalizers and owner references change only by the operator and the garbage collector", func() {
		key := newRequest(ns, "meta", []string{"alice", "bob"}, 0)
		waitTokens(key, 2)
		Expect(getRequest(key).Finalizers).To(ContainElement(v1.StopExecutionFinalizer))
		err := patchAs(as(requesterUser), requestRef(key), map[string]any{"metadata": map[string]any{"finalizers": nil}})
		Expect(err).To(refusedWith("metadata.finalizers", "only the tollgate operator and the garbage collector change them"))
		owner := map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "name": "anything", "uid": "0b6ac4a2-5a3c-4c1e-9a51-000000000001"}
		err = patchAs(mallory(), requestRef(key), map[string]any{"metadata": map[string]any{"ownerReferences": []any{owner}}})
		Expect(err).To(refusedWith("metadata.ownerReferences"))
		Expect(getRequest(key).Finalizers).To(ContainElement(v1.StopExecutionFinalizer))
		Expect(getRequest(key).OwnerReferences).To(BeEmpty())

		By("an ApproverDecision's binding to its request, by someone RBAC lets write decisions")
		d := approveDecision(key, "alice-ok", "alice", "")
		grantEverything(ns, "mallory@example.com")
		decision := &v1.ApproverDecision{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: d.Name}}
		err = patchAs(mallory(), decision, map[string]any{"metadata": map[string]any{"ownerReferences": nil}})
		Expect(err).To(refusedWith("metadata.ownerReferences"))
		err = patchAs(mallory(), decision, map[string]any{"metadata": map[string]any{"finalizers": []any{"example.com/hold"}}})
		Expect(err).To(refusedWith("metadata.finalizers"))

		By("records keep who decided, never the credential's extra fields")
		credential := map[string][]string{"authentication.kubernetes.io/credential-id": {"JTI=0b6ac4a2"}}
		withExtra := func(user string, groups ...string) client.Client {
			cfg := env.ControlPlane.As(user, groups...)
			cfg.Impersonate.Extra = credential
			c, err := client.New(cfg, client.Options{Scheme: scheme})
			Expect(err).NotTo(HaveOccurred())
			return c
		}
		req := requestObject(ns, "extra", []string{"bob"}, 0)
		Expect(withExtra(requesterUser).Create(ctx, req)).To(Succeed())
		Expect(getRequest(client.ObjectKeyFromObject(req)).Annotations[v1.RequesterAnnotation]).NotTo(ContainSubstring("credential-id"))
		bob := decisionObject(key, "bob-ok", "bob", v1.DecisionApprove, "")
		Expect(withExtra(person("bob"), approversGroup).Create(ctx, bob)).To(Succeed())
		stored := &v1.ApproverDecision{}
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(bob), stored)).To(Succeed())
		Expect(stored.Annotations[v1.RecordAnnotation]).To(ContainSubstring(`"username":"bob@example.com"`))
		Expect(stored.Annotations[v1.RecordAnnotation]).NotTo(ContainSubstring("credential-id"))
	})
})
