package controller_test

import (
	"net/http"
	"strings"
	"time"

	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/controller"
	"github.com/tollgate-dev/tollgate/internal/devenv"
	"github.com/tollgate-dev/tollgate/internal/operator"
	"github.com/tollgate-dev/tollgate/internal/sfnlocal"
	"github.com/tollgate-dev/tollgate/internal/stepfunctions"
)

// The delivery defects a review of the landed lifecycle found (the Faults issue), each
// reproduced before its fix.
var _ = Describe("Known delivery defects", Serial, func() {
	var ns string
	BeforeEach(func() { ns = createNamespace("defects") })

	fault := func(op, code string, status int) {
		sfnLocal.endpoint.Server.InjectFault(op, sfnlocal.FaultRule{Kind: sfnlocal.FaultError, Code: code, Status: status})
		DeferCleanup(func() { sfnLocal.endpoint.Server.ClearFaults(op) })
	}

	It("1: a blocked start is retried every --start-retry-delay, its condition unchanged between attempts (no retry storm)", func() {
		op := startOperatorWith(stepfunctions.Wrap(sfnLocal.client, nil), func(c *operator.Config) { c.Lifecycle.StartRetryDelay = time.Minute })
		defer op.stop()
		mayWriteInlineRules(ns, requesterUser)
		key := newRequest(ns, "blocked", []string{"alice"}, 0, func(r *v1.ApprovalRequest) {
			r.Spec.StateMachineARN = "arn:aws:states:us-east-1:123456789012:stateMachine:missing-" + ns
		})
		Eventually(func() string { return conditionReason(key, v1.ConditionStalled) }, settle).Should(Equal("StartBlocked"))
		message := meta.FindStatusCondition(getRequest(key).Status.Conditions, v1.ConditionStalled).Message
		Expect(message).NotTo(ContainSubstring("RequestID"), "a condition message must not change from one attempt to the next")
		starts := sfnLocal.callsAbout("StartExecution", ns)
		Consistently(func() int { return sfnLocal.callsAbout("StartExecution", ns) }, "3s", 100*time.Millisecond).
			Should(BeNumerically("<=", starts+1), "StartExecution is tried again only after --start-retry-delay (1m)")
	})

	It("1: a throttled DescribeExecution backs off, its Retrying condition unchanged between attempts", func() {
		op := startOperator(stepfunctions.Wrap(sfnLocal.client, nil))
		defer op.stop()
		mayWriteInlineRules(ns, requesterUser)
		key := newRequest(ns, "throttled", []string{"alice", "bob", "carol"}, 0, func(r *v1.ApprovalRequest) { r.Spec.StateMachineARN = sfnLocal.fixedThreeARN })
		arn := waitTokens(key, 3).Status.ExecutionARN
		fault("DescribeExecution", "ThrottlingException", http.StatusBadRequest)
		Eventually(func() string { return conditionReason(key, v1.ConditionReady) }, settle).Should(Equal("Retrying"))
		Expect(meta.FindStatusCondition(getRequest(key).Status.Conditions, v1.ConditionReady).Message).NotTo(ContainSubstring("RequestID"))
		Eventually(func() []string { return eventNotes(key, "StepFunctionsUnavailable") }, settle).Should(ContainElement("Step Functions DescribeExecution: ThrottlingException: ThrottlingException (injected); retrying"))
		before := sfnLocal.callsAbout("DescribeExecution", arn)
		time.Sleep(4 * time.Second) // counting calls over a stretch of real time is the point here
		Expect(sfnLocal.callsAbout("DescribeExecution", arn)-before).To(BeNumerically("<=", 12),
			"at most a few attempts in 4s (each is up to 3 SDK tries): a backoff, not a storm")
	})

	It("2: a quorum reached before a crash between SendTaskSuccess and its record stays reached", func() {
		key := newRequest(ns, "crash-quorum", []string{"alice", "bob"}, 0)
		var bob string
		crashOperator("SendTaskSuccess", func(t string) bool { return t != "" && t == bob }, func() {
			bob = tokenOf(waitTokens(key, 2), "bob")
			annotate(key, "approvals.tollgate.dev/bob", "approve")
		})
		Expect(slotOf(getRequest(key), "bob").SentAt).To(BeNil(), "the crash came before bob's delivery was recorded")
		By("alice decides while no operator runs; the restarted operator delivers hers first")
		annotate(key, "approvals.tollgate.dev/alice", "approve")
		op := startOperator(stepfunctions.Wrap(sfnLocal.client, nil))
		defer op.stop()
		obj := waitPhase(key, v1.PhaseApproved)
		waitExecution(obj, sfntypes.ExecutionStatusSucceeded, "")
	})

	It("3: expiry does not stop an execution whose verdict was delivered while its outcome report is in flight", func() {
		ahead := stepFunctionsAhead()
		key := newRequest(ns, "late-report", []string{"alice"}, 0, func(r *v1.ApprovalRequest) {
			r.Spec.Timeout = &metav1.Duration{Duration: ahead + 10*time.Minute}
		})
		waitTokensWithOperator(key, 1)
		By("the operator dies right after it took the outcome report task")
		crashOperator("GetActivityTask", func(in string) bool { return strings.Contains(in, `"task":"outcome"`) && strings.Contains(in, ns) }, func() {
			annotate(key, "approvals.tollgate.dev/alice", "approve")
		})
		By("it comes back after the request's deadline (and the grace): its clock says so")
		late := clocktesting.NewFakePassiveClock(time.Now().Add(ahead + 11*time.Minute))
		op := startOperatorWith(stepfunctions.Wrap(sfnLocal.client, nil), func(c *operator.Config) { c.Clock = late })
		defer op.stop()
		Consistently(func() v1.Phase { return getRequest(key).Status.Phase }, "3s").ShouldNot(Equal(v1.PhaseExpired))
		By("the report is re-issued after its heartbeat timeout and approves")
		sfnLocal.clock.Advance(301 * time.Second)
		obj := waitPhase(key, v1.PhaseApproved)
		waitExecution(obj, sfntypes.ExecutionStatusSucceeded, "")
	})

	It("4: an AWS auth error on DescribeExecution keeps the request pending, with its finalizer, until it passes", func() {
		op := startOperator(stepfunctions.Wrap(sfnLocal.client, nil))
		defer op.stop()
		mayWriteInlineRules(ns, requesterUser)
		key := newRequest(ns, "denied", []string{"alice", "bob", "carol"}, 0, func(r *v1.ApprovalRequest) { r.Spec.StateMachineARN = sfnLocal.fixedThreeARN })
		waitTokens(key, 3)
		for _, code := range []string{"AccessDeniedException", "ExpiredTokenException", "UnrecognizedClientException", "RequestExpired"} {
			fault("DescribeExecution", code, http.StatusBadRequest)
			Eventually(func() string { return conditionReason(key, v1.ConditionStalled) }, settle).Should(Equal("StepFunctionsRefused"), code)
			obj := getRequest(key)
			Expect(obj.Status.Phase).To(Equal(v1.PhasePending), code)
			Expect(obj.Finalizers).To(ContainElement(v1.StopExecutionFinalizer), code)
			sfnLocal.endpoint.Server.ClearFaults("DescribeExecution")
			Eventually(func() string { return conditionReason(key, v1.ConditionReconciling) }, settle).Should(Equal("AwaitingApprovals"), code)
		}
	})

	It("6: DescribeExecution backs off while an execution with a delivered verdict keeps running", func() {
		key := newRequest(ns, "report-pending", []string{"alice"}, 0)
		waitTokensWithOperator(key, 1)
		crashOperator("GetActivityTask", func(in string) bool { return strings.Contains(in, `"task":"outcome"`) && strings.Contains(in, ns) }, func() {
			annotate(key, "approvals.tollgate.dev/alice", "approve")
		})
		op := startOperator(stepfunctions.Wrap(sfnLocal.client, nil))
		defer op.stop()
		arn := getRequest(key).Status.ExecutionARN
		Eventually(func() int { return sfnLocal.callsAbout("DescribeExecution", arn) }, settle).Should(BeNumerically(">", 0))
		before := sfnLocal.callsAbout("DescribeExecution", arn)
		time.Sleep(4 * time.Second) // counting calls over a stretch of real time is the point here
		Expect(sfnLocal.callsAbout("DescribeExecution", arn)-before).To(BeNumerically("<=", 8),
			"--min-follow-delay (100ms here) doubles while the execution runs on: not 40 calls in 4s")
		sfnLocal.clock.Advance(301 * time.Second)
		waitPhase(key, v1.PhaseApproved)
	})

	It("6: a check schedule entry goes with its request, whether it ends by its outcome or is deleted", func() {
		op := startOperator(stepfunctions.Wrap(sfnLocal.client, nil))
		defer op.stop()
		approved := newRequest(ns, "scheduled", []string{"alice"}, 0)
		deleted := newRequest(ns, "deleted", []string{"alice"}, 0)
		waitTokens(deleted, 1)
		uid := waitTokens(approved, 1).UID
		annotate(approved, "approvals.tollgate.dev/alice", "approve")
		Eventually(func() bool { return controller.Scheduled(op.Reconciler, uid) }, settle).Should(BeTrue(), "a delivered verdict schedules a check")
		waitPhase(approved, v1.PhaseApproved)
		Eventually(func() bool { return controller.Scheduled(op.Reconciler, uid) }, settle).Should(BeFalse(), "the outcome push ended the request")

		obj := getRequest(deleted)
		Eventually(func() bool { return controller.Scheduled(op.Reconciler, obj.UID) }, settle).Should(BeTrue(), "a pending request is followed")
		Expect(k8sClient.Delete(ctx, obj)).To(Succeed())
		Eventually(gone(obj), settle).Should(BeTrue())
		Expect(controller.Scheduled(op.Reconciler, obj.UID)).To(BeFalse(), "the deleted request's entry went with it")
	})

	It("6: a deleted ApproverDecision does not fail the reconcile that reports it", func() {
		key := newRequest(ns, "vanishing", []string{"alice"}, 0)
		waitTokensWithOperator(key, 1)
		d := decisionObject(key, "gone-soon", "alice", v1.DecisionApprove, "")
		Expect(as(person("alice"), approversGroup).Create(ctx, d)).To(Succeed())
		Expect(k8sClient.Delete(ctx, d)).To(Succeed())
		Expect(controller.PatchDecisionStatus(ctx, k8sClient, d, v1.DecisionAccepted, "recorded", "")).To(Succeed())
	})
})

// waitTokensWithOperator runs an operator until the request holds n tokens.
func waitTokensWithOperator(key client.ObjectKey, n int) {
	op := startOperator(stepfunctions.Wrap(sfnLocal.client, nil))
	defer op.stop()
	waitTokens(key, n)
}

// conditionReason is the reason of a request's condition, "" without it.
func conditionReason(key client.ObjectKey, t string) string {
	if c := meta.FindStatusCondition(getRequest(key).Status.Conditions, t); c != nil {
		return c.Reason
	}
	return ""
}

var _ = Describe("Operator settings", func() {
	It("6: refuse a heartbeat interval that the task heartbeat timeout does not leave room for", func() {
		c := operator.NewConfig()
		c.Lifecycle.HeartbeatSeconds = 300
		c.Heartbeats.Interval = 300 * time.Second
		op, err := env.StartOperator(ctx, devenv.OperatorOptions{Config: c})
		if op != nil {
			DeferCleanup(op.Stop) // an operator that should not have started must not poll for the next specs
		}
		Expect(err).To(MatchError(ContainSubstring("--heartbeat-interval")))
	})
})

// stepFunctionsAhead is how far Step Functions' clock (the suite's fake one, moved ahead by
// earlier specs) is ahead of real time, after catching it up with real time if it lags (it
// stands still between advances while the suite runs on).
func stepFunctionsAhead() time.Duration {
	if lag := time.Since(sfnLocal.clock.Now()); lag > 0 {
		sfnLocal.clock.Advance(lag)
	}
	return time.Until(sfnLocal.clock.Now()).Round(time.Second)
}
