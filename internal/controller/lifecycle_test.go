package controller_test

import (
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
	"github.com/tollgate-dev/tollgate/internal/approvalmachine"
	"github.com/tollgate-dev/tollgate/internal/stepfunctions"
)

// The lifecycle end to end: envtest, the operator as cmd/main.go wires it, the local Step
// Functions endpoint through the real SDK. Each spec asserts the request's status and the
// execution's status in Step Functions.
var _ = Describe("ApprovalRequest lifecycle", func() {
	var ns string
	var op *runningOperator
	withOperator("life", &ns, &op)

	It("starts one execution, holds a token per approver, and is in progress for kstatus", func() {
		key := newRequest(ns, "three", []string{"alice", "bob", "carol"}, 0)
		obj := waitTokens(key, 3)
		Expect(obj.Status.Phase).To(Equal(v1.PhasePending))
		Expect(obj.Status.ExecutionARN).To(HaveSuffix(":tollgate-" + string(obj.UID)))
		Expect(obj.Status.StartedAt).NotTo(BeNil())
		Expect(obj.Finalizers).To(ContainElement(v1.StopExecutionFinalizer))
		Eventually(func(g Gomega) {
			obj = getRequest(key)
			g.Expect(obj.Status.Approvals).To(Equal("0/3"))
			g.Expect(meta.IsStatusConditionTrue(obj.Status.Conditions, v1.ConditionReconciling)).To(BeTrue())
			g.Expect(obj.Status.ObservedGeneration).To(Equal(obj.Generation))
		}, settle).Should(Succeed())
		Expect(kstatusOf(obj)).To(Equal(status.InProgressStatus))
		Expect(execution(obj).Status).To(Equal(sfntypes.ExecutionStatusRunning))
		Eventually(func() []string { return eventReasons(key) }, settle).Should(ContainElements("Started", "TokenReceived"))
	})

	It("approves when all three approvers approve by annotation (the seed's first scenario)", func() {
		key := newRequest(ns, "all-approve", []string{"alice", "bob", "carol"}, 0)
		waitTokens(key, 3)
		By("a pipeline waits with kubectl wait, as the README says")
		waited := make(chan string, 1)
		go func() {
			defer GinkgoRecover()
			waited <- kubectl("wait", "--for=condition=Approved", "approvalrequest/all-approve", "-n", ns, "--timeout=60s")
		}()
		annotate(key, "approvals.tollgate.dev/alice", "approve", "approvals.tollgate.dev/alice.comment", "ship it")
		annotate(key, "approvals.tollgate.dev/bob", "APPROVE")
		annotate(key, "approvals.tollgate.dev/carol", "Approve")
		obj := waitPhase(key, v1.PhaseApproved)

		Expect(meta.IsStatusConditionTrue(obj.Status.Conditions, v1.ConditionApproved)).To(BeTrue())
		Expect(meta.IsStatusConditionTrue(obj.Status.Conditions, v1.ConditionReady)).To(BeTrue())
		Expect(meta.FindStatusCondition(obj.Status.Conditions, v1.ConditionReconciling)).To(BeNil())
		Expect(meta.FindStatusCondition(obj.Status.Conditions, v1.ConditionStalled)).To(BeNil())
		Expect(kstatusOf(obj)).To(Equal(status.CurrentStatus))
		Expect(obj.Status.Approvals).To(Equal("3/3"))
		Expect(obj.Status.CompletedAt).NotTo(BeNil())
		Expect(obj.Status.ObservedGeneration).To(Equal(obj.Generation))
		alice := slotOf(obj, "alice")
		Expect(alice.Decision).To(Equal(v1.DecisionApprove))
		Expect(alice.Comment).To(Equal("ship it"))
		Expect(alice.Source).To(Equal("annotation"))
		Expect(alice.DecidedAt).NotTo(BeNil())
		Expect(alice.SentAt).NotTo(BeNil())
		for _, s := range obj.Status.Approvers {
			Expect(sfnLocal.sendsFor(tokenOf(obj, s.Name))).To(Equal(1), "slot %s", s.Name)
		}
		waitExecution(obj, sfntypes.ExecutionStatusSucceeded, "")
		Eventually(func() []string { return eventReasons(key) }, settle).Should(ContainElements("DecisionRecorded", "ApprovalSent", "Approved"))
		Eventually(waited, settle).Should(Receive(ContainSubstring("condition met")))
	})

	It("rejects on the first rejection when all must approve (the seed's second scenario)", func() {
		key := newRequest(ns, "one-rejects", []string{"alice", "bob", "carol"}, 0)
		waitTokens(key, 3)
		annotate(key, "approvals.tollgate.dev/alice", "approve")
		annotate(key, "approvals.tollgate.dev/bob", "reject", "approvals.tollgate.dev/bob.comment", "not on a Friday")
		obj := waitPhase(key, v1.PhaseRejected)

		Expect(meta.IsStatusConditionTrue(obj.Status.Conditions, v1.ConditionRejected)).To(BeTrue())
		Expect(meta.IsStatusConditionFalse(obj.Status.Conditions, v1.ConditionReady)).To(BeTrue())
		Expect(meta.IsStatusConditionTrue(obj.Status.Conditions, v1.ConditionStalled)).To(BeTrue())
		Expect(meta.FindStatusCondition(obj.Status.Conditions, v1.ConditionApproved)).To(BeNil())
		Expect(kstatusOf(obj)).To(Equal(status.FailedStatus))
		Expect(slotOf(obj, "bob").Decision).To(Equal(v1.DecisionReject))
		Expect(slotOf(obj, "carol").Decision).To(Equal(v1.DecisionNotRequired))
		waitExecution(obj, sfntypes.ExecutionStatusFailed, approval.ErrorRejected)

		By("a closed slot's token is refused by Step Functions")
		_, err := sfnLocal.client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(tokenOf(obj, "carol")), Output: aws.String("{}")})
		Expect(stepfunctions.Code(err)).To(Equal("TaskTimedOut"))
	})

	It("approves 2-of-3 on two approvals and closes the third slot", func() {
		key := newRequest(ns, "two-of-three", []string{"alice", "bob", "carol"}, 2)
		waitTokens(key, 3)
		annotate(key, "approvals.tollgate.dev/carol", "reject")
		Consistently(func() v1.Phase { return getRequest(key).Status.Phase }, time.Second).Should(Equal(v1.PhasePending))
		annotate(key, "approvals.tollgate.dev/alice", "approve")
		annotate(key, "approvals.tollgate.dev/bob", "approve")
		obj := waitPhase(key, v1.PhaseApproved)
		Expect(obj.Status.Approvals).To(Equal("2/2"))
		Expect(obj.Status.RejectedCount).To(Equal(int32(1)))
		waitExecution(obj, sfntypes.ExecutionStatusSucceeded, "")
	})

	It("rejects 2-of-3 once two approvals are out of reach", func() {
		key := newRequest(ns, "two-of-three-rejected", []string{"alice", "bob", "carol"}, 2)
		waitTokens(key, 3)
		annotate(key, "approvals.tollgate.dev/alice", "reject")
		annotate(key, "approvals.tollgate.dev/bob", "reject")
		obj := waitPhase(key, v1.PhaseRejected)
		Expect(slotOf(obj, "carol").Decision).To(Equal(v1.DecisionNotRequired))
		waitExecution(obj, sfntypes.ExecutionStatusFailed, approval.ErrorRejected)
	})

	It("approves through ApproverDecisions and reports them Accepted", func() {
		key := newRequest(ns, "by-decision", []string{"alice", "bob"}, 0)
		waitTokens(key, 2)
		da := approveDecision(key, "alice-ok", "alice", "checked the diff")
		db := approveDecision(key, "bob-ok", "bob", "")
		obj := waitPhase(key, v1.PhaseApproved)
		Expect(waitDecisionPhase(da, v1.DecisionAccepted).Status.Message).To(ContainSubstring("Approve recorded for alice"))
		waitDecisionPhase(db, v1.DecisionAccepted)
		Expect(slotOf(obj, "alice").Source).To(Equal("ApproverDecision/alice-ok"))
		Expect(slotOf(obj, "alice").Comment).To(Equal("checked the diff"))
		waitExecution(obj, sfntypes.ExecutionStatusSucceeded, "")
	})

	It("holds a decision that arrives before its token until the token comes", func() {
		key := newRequest(ns, "early", []string{"alice"}, 0)
		annotate(key, "approvals.tollgate.dev/alice", "approve")
		obj := waitPhase(key, v1.PhaseApproved)
		alice := slotOf(obj, "alice")
		Expect(alice.DecidedAt).NotTo(BeNil())
		Expect(alice.TokenReceivedAt).NotTo(BeNil())
		Expect(alice.SentAt.Time).NotTo(BeTemporally("<", alice.TokenReceivedAt.Time))
		Expect(sfnLocal.sendsFor(tokenOf(obj, "alice"))).To(Equal(1))
		waitExecution(obj, sfntypes.ExecutionStatusSucceeded, "")
	})

	It("refuses a second decision on a decided slot at admission, and sends the first once", func() {
		key := newRequest(ns, "dup", []string{"alice", "bob"}, 0)
		waitTokens(key, 2)
		annotate(key, "approvals.tollgate.dev/alice", "approve")
		Eventually(func() *metav1.Time { return slotOf(getRequest(key), "alice").SentAt }, settle).ShouldNot(BeNil())

		alice := as(person("alice"), approversGroup)
		for _, d := range []v1.Decision{v1.DecisionApprove, v1.DecisionReject} {
			err := alice.Create(ctx, decisionObject(key, "alice-again-"+strings.ToLower(string(d)), "alice", d, ""))
			// An ApproverDecision's refusal speaks of the request briefly: the webhook cannot
			// tell whether who asks may read it (kubectl describe shows who decided).
			Expect(err).To(MatchError(ContainSubstring("slot alice of ApprovalRequest dup is already decided; a decision is final")))
		}
		obj := getRequest(key)
		Expect(obj.Status.Phase).To(Equal(v1.PhasePending))
		Expect(slotOf(obj, "alice").Decision).To(Equal(v1.DecisionApprove))
		Expect(sfnLocal.sendsFor(tokenOf(obj, "alice"))).To(Equal(1))
		Expect(execution(obj).Status).To(Equal(sfntypes.ExecutionStatusRunning))
	})

	It("takes the first of two decisions admitted for one slot before either was recorded, and reports the other", func() {
		key := newRequest(ns, "race", []string{"alice", "bob"}, 0, func(r *v1.ApprovalRequest) {
			r.Spec.Approvers[0].Users = append(r.Spec.Approvers[0].Users, person("alice-deputy"))
		})
		waitTokens(key, 2)
		By("both are admitted while no operator runs: the ledger has not recorded either")
		op.stop()
		first := approveDecision(key, "alice-approves", "alice", "")
		dup := decisionObject(key, "deputy-approves", "alice", v1.DecisionApprove, "")
		Expect(as(person("alice-deputy"), approversGroup).Create(ctx, dup)).To(Succeed())
		conflict := decisionObject(key, "deputy-rejects", "alice", v1.DecisionReject, "")
		Expect(as(person("alice-deputy"), approversGroup).Create(ctx, conflict)).To(Succeed())
		op = startOperator(stepfunctions.Wrap(sfnLocal.client, nil))

		Expect(waitDecisionPhase(first, v1.DecisionAccepted).Status.DecidedBy).To(Equal(person("alice")))
		Expect(waitDecisionPhase(client.ObjectKeyFromObject(dup), v1.DecisionAccepted).Status.Message).To(ContainSubstring("a duplicate"))
		Expect(waitDecisionPhase(client.ObjectKeyFromObject(conflict), v1.DecisionRefused).Status.Message).To(ContainSubstring("slot alice is already decided: Approve by alice@example.com"))
		obj := getRequest(key)
		Expect(slotOf(obj, "alice").DecidedBy).To(Equal(person("alice")))
		Eventually(func() int { return sfnLocal.sendsFor(tokenOf(getRequest(key), "alice")) }, settle).Should(Equal(1))
		Consistently(func() int { return sfnLocal.sendsFor(tokenOf(getRequest(key), "alice")) }, "1s").Should(Equal(1))
	})

	It("expires when the timeout passes", func() {
		// A timeout of two minutes on Step Functions' clock (the suite's fake one).
		ahead := stepFunctionsAhead()
		key := newRequest(ns, "expires", []string{"alice", "bob"}, 0, func(r *v1.ApprovalRequest) {
			r.Spec.Timeout = &metav1.Duration{Duration: ahead + 2*time.Minute}
		})
		waitTokens(key, 2)
		annotate(key, "approvals.tollgate.dev/alice", "approve")
		Eventually(func() *metav1.Time { return slotOf(getRequest(key), "alice").SentAt }, settle).ShouldNot(BeNil())
		sfnLocal.clock.Advance(3 * time.Minute)
		obj := waitPhase(key, v1.PhaseExpired)
		Expect(meta.IsStatusConditionTrue(obj.Status.Conditions, v1.ConditionStalled)).To(BeTrue())
		Expect(kstatusOf(obj)).To(Equal(status.FailedStatus))
		Expect(slotOf(obj, "bob").Decision).To(Equal(v1.DecisionNotRequired))
		waitExecution(obj, sfntypes.ExecutionStatusFailed, approval.ErrorExpired)
	})

	It("stops the execution when a pending request is deleted", func() {
		key := newRequest(ns, "deleted", []string{"alice"}, 0)
		obj := waitTokens(key, 1)
		Expect(k8sClient.Delete(ctx, obj)).To(Succeed())
		Eventually(gone(obj), settle).Should(BeTrue())
		waitExecution(obj, sfntypes.ExecutionStatusAborted, "tollgate.Deleted")
	})

	It("stops the execution when a request is deleted before its start was recorded", func() {
		key := newRequest(ns, "deleted-at-once", []string{"alice"}, 0)
		obj := getRequest(key)
		Expect(k8sClient.Delete(ctx, obj)).To(Succeed())
		Eventually(gone(obj), settle).Should(BeTrue())
		name := "tollgate-" + string(obj.UID)
		Consistently(func() int { return executionsNamedWith(name, sfntypes.ExecutionStatusRunning) }, "1s").Should(BeZero())
	})

	It("deletes a decided request without calling Step Functions", func() {
		key := newRequest(ns, "decided-then-deleted", []string{"alice"}, 0)
		waitTokens(key, 1)
		annotate(key, "approvals.tollgate.dev/alice", "approve")
		obj := waitPhase(key, v1.PhaseApproved)
		waitExecution(obj, sfntypes.ExecutionStatusSucceeded, "")
		Expect(obj.Finalizers).To(BeEmpty())
		Expect(k8sClient.Delete(ctx, obj)).To(Succeed())
		Eventually(gone(obj), settle).Should(BeTrue())
		Expect(execution(obj).Status).To(Equal(sfntypes.ExecutionStatusSucceeded))
	})

	It("follows a user's own machine (the seed's fixed three-branch Parallel) to its end", func() {
		mayWriteInlineRules(ns, requesterUser)
		key := newRequest(ns, "fixed-three", []string{"alice", "bob", "carol"}, 0, func(r *v1.ApprovalRequest) {
			r.Spec.StateMachineARN = sfnLocal.fixedThreeARN
		})
		waitTokens(key, 3)
		annotate(key, "approvals.tollgate.dev/alice", "approve", "approvals.tollgate.dev/bob", "approve", "approvals.tollgate.dev/carol", "approve")
		obj := waitPhase(key, v1.PhaseApproved)
		waitExecution(obj, sfntypes.ExecutionStatusSucceeded, "")
	})

	It("stalls while its state machine does not exist, and starts once it does", func() {
		mayWriteInlineRules(ns, requesterUser)
		key := newRequest(ns, "machine-later", []string{"alice"}, 0, func(r *v1.ApprovalRequest) {
			r.Spec.StateMachineARN = "arn:aws:states:us-east-1:123456789012:stateMachine:" + ns
		})
		var obj *v1.ApprovalRequest
		Eventually(func(g Gomega) {
			obj = getRequest(key)
			stalled := meta.FindStatusCondition(obj.Status.Conditions, v1.ConditionStalled)
			g.Expect(stalled).NotTo(BeNil())
			g.Expect(stalled.Reason).To(Equal("StartBlocked"))
			g.Expect(stalled.Message).To(ContainSubstring("StateMachineDoesNotExist"))
		}, settle).Should(Succeed())
		Expect(obj.Status.Phase).To(BeEmpty(), "nothing started, nothing decided")
		Expect(kstatusOf(obj)).To(Equal(status.FailedStatus))
		Eventually(func() []string { return eventReasons(key) }, settle).Should(ContainElement("StartBlocked"))
		early := approveDecision(key, "while-blocked", "alice", "")

		By("the administrator creates the state machine: the next retry starts the execution")
		sfnLocal.createMachine(ns, approvalmachine.ShippedPath)
		waitTokens(key, 1)
		waitDecisionPhase(early, v1.DecisionAccepted)
		obj = waitPhase(key, v1.PhaseApproved)
		Expect(meta.FindStatusCondition(obj.Status.Conditions, v1.ConditionStalled)).To(BeNil())
		waitExecution(obj, sfntypes.ExecutionStatusSucceeded, "")
	})

	It("fails a request Step Functions can never take (input over 256 KiB), with the field named", func() {
		key := newRequest(ns, "too-big", []string{"alice"}, 0, func(r *v1.ApprovalRequest) {
			r.Spec.Payload = &runtime.RawExtension{Raw: []byte(`{"blob":"` + strings.Repeat("x", 300*1024) + `"}`)}
		})
		obj := waitPhase(key, v1.PhaseFailed)
		stalled := meta.FindStatusCondition(obj.Status.Conditions, v1.ConditionStalled)
		Expect(stalled.Message).To(ContainSubstring("spec.payload"))
		Expect(kstatusOf(obj)).To(Equal(status.FailedStatus))
		Expect(obj.Status.ExecutionARN).To(BeEmpty())

		By("a decision on a request that ended is refused at admission, with the reason")
		err := as(person("alice"), approversGroup).Create(ctx, decisionObject(key, "too-late", "alice", v1.DecisionApprove, ""))
		Expect(err).To(MatchError(ContainSubstring("ApprovalRequest too-big is already Failed: it takes no more decisions")))
	})
})
