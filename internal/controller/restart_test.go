package controller_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/stepfunctions"
)

var errCrashed = errors.New("the operator process died here (simulated)")

// crashingAPI is the operator's view of Step Functions, with a simulated process death: the
// first successful call of op reaches Step Functions, then the operator is killed before it can
// act on the answer (its context is cancelled, and the call reports an error).
type crashingAPI struct {
	stepfunctions.API
	op string
	// about picks the call to die after, from what it carries (execution input, task input or
	// token): other specs' leftover requests are reconciled by every operator too.
	about   func(string) bool
	kill    context.CancelFunc
	once    sync.Once
	crashed chan struct{}
}

func newCrashingAPI(op string, about func(string) bool) *crashingAPI {
	return &crashingAPI{API: stepfunctions.Wrap(sfnLocal.client, nil), op: op, about: about, crashed: make(chan struct{})}
}

// after kills the operator once op succeeded on the call of interest.
func (c *crashingAPI) after(op, detail string, err error) error {
	if err != nil || op != c.op || !c.about(detail) {
		return err
	}
	died := false
	c.once.Do(func() { c.kill(); close(c.crashed); died = true })
	if died {
		return errCrashed
	}
	return nil
}

func (c *crashingAPI) StartExecution(ctx context.Context, in *sfn.StartExecutionInput, o ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error) {
	out, err := c.API.StartExecution(ctx, in, o...)
	return out, c.after("StartExecution", aws.ToString(in.Input), err)
}

func (c *crashingAPI) GetActivityTask(ctx context.Context, in *sfn.GetActivityTaskInput, o ...func(*sfn.Options)) (*sfn.GetActivityTaskOutput, error) {
	out, err := c.API.GetActivityTask(ctx, in, o...)
	if err != nil || aws.ToString(out.TaskToken) == "" {
		return out, err
	}
	return out, c.after("GetActivityTask", aws.ToString(out.Input), nil)
}

func (c *crashingAPI) SendTaskSuccess(ctx context.Context, in *sfn.SendTaskSuccessInput, o ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error) {
	out, err := c.API.SendTaskSuccess(ctx, in, o...)
	return out, c.after("SendTaskSuccess", aws.ToString(in.TaskToken), err)
}

// crashOperator runs an operator that dies right after op succeeds on a call about something
// (see crashingAPI), and waits for the death.
func crashOperator(op string, about func(string) bool, trigger func()) {
	api := newCrashingAPI(op, about)
	operator := startOperator(api)
	api.kill = operator.Kill
	trigger()
	Eventually(api.crashed, settle).Should(BeClosed())
	operator.stop()
}

// inNamespace matches an execution or task input of a request in namespace ns.
func inNamespace(ns string) func(string) bool {
	return func(input string) bool { return strings.Contains(input, `"namespace":"`+ns+`"`) }
}

// executionsNamed counts the executions of the shipped machine with a name.
func executionsNamed(name string) int {
	return executionsNamedWith(name, "")
}

// executionsNamedWith counts the executions of the shipped machine with a name and, unless
// empty, a status.
func executionsNamedWith(name string, st sfntypes.ExecutionStatus) int {
	in := &sfn.ListExecutionsInput{StateMachineArn: aws.String(sfnLocal.shippedARN), MaxResults: 1000, StatusFilter: st}
	out, err := sfnLocal.client.ListExecutions(ctx, in)
	Expect(err).NotTo(HaveOccurred())
	n := 0
	for _, e := range out.Executions {
		if aws.ToString(e.Name) == name {
			n++
		}
	}
	return n
}

// activityResults counts an execution's ActivitySucceeded and ActivityFailed events: each
// decision that took effect is one of them. history is every event's type, for messages.
func activityResults(obj *v1.ApprovalRequest) (succeeded, failed int, history []string) {
	p := sfn.NewGetExecutionHistoryPaginator(sfnLocal.client, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(obj.Status.ExecutionARN)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		Expect(err).NotTo(HaveOccurred())
		for _, e := range page.Events {
			history = append(history, string(e.Type))
			switch e.Type {
			case sfntypes.HistoryEventTypeActivitySucceeded:
				succeeded++
			case sfntypes.HistoryEventTypeActivityFailed:
				failed++
			}
		}
	}
	return succeeded, failed, history
}

// Kill the manager at each dangerous point and start it again: nothing is lost, nothing is
// sent twice. Each spec asserts the request's status and the execution in Step Functions.
var _ = Describe("Restart safety", func() {
	var ns string
	BeforeEach(func() { ns = createNamespace("restart") })

	It("after StartExecution, before the status write: the restarted operator adopts the same execution", func() {
		var key client.ObjectKey
		crashOperator("StartExecution", inNamespace(ns), func() { key = newRequest(ns, "crash-start", []string{"alice"}, 0) })
		obj := getRequest(key)
		Expect(obj.Status.ExecutionARN).To(BeEmpty(), "the crash came before the status write")
		Expect(executionsNamed("tollgate-" + string(obj.UID))).To(Equal(1))

		op := startOperator(stepfunctions.Wrap(sfnLocal.client, nil))
		defer op.stop()
		By("re-issuing any task the dead process had taken: its heartbeat timeout passes")
		sfnLocal.clock.Advance(301 * time.Second)
		waitTokens(key, 1)
		annotate(key, "approvals.tollgate.dev/alice", "approve")
		obj = waitPhase(key, v1.PhaseApproved)
		Expect(executionsNamed("tollgate-"+string(obj.UID))).To(Equal(1), "a retried start must not start a second execution")
		waitExecution(obj, sfntypes.ExecutionStatusSucceeded, "")
	})

	It("after receiving a token, before recording it: the token is re-issued after its heartbeat timeout", func() {
		var key client.ObjectKey
		crashOperator("GetActivityTask", inNamespace(ns), func() { key = newRequest(ns, "crash-token", []string{"alice", "bob"}, 0) })

		op := startOperator(stepfunctions.Wrap(sfnLocal.client, nil))
		defer op.stop()
		By("letting the lost task's heartbeat timeout pass: the shipped machine retries it with a new token")
		sfnLocal.clock.Advance(301 * time.Second)
		waitTokens(key, 2)
		annotate(key, "approvals.tollgate.dev/alice", "approve", "approvals.tollgate.dev/bob", "approve")
		obj := waitPhase(key, v1.PhaseApproved)
		waitExecution(obj, sfntypes.ExecutionStatusSucceeded, "")
		succeeded, failed, history := activityResults(obj)
		Expect(failed).To(BeZero(), "history: %v", history)
		// Both approvals are recorded together, so the first one delivered carries the verdict
		// and ends the gate; the other one's task took its answer first or was closed by the
		// quorum (TaskTimedOut: it counts as delivered). Then the outcome report. Which of the
		// two happens is the engine's race, as on AWS.
		Expect(succeeded).To(BeNumerically(">=", 2), "the deciding approval and the outcome report; history: %v", history)
		Expect(succeeded).To(BeNumerically("<=", 3), "two approvals and the outcome report at most; history: %v", history)
		for _, s := range obj.Status.Approvers {
			Expect(sfnLocal.sendsFor(tokenOf(obj, s.Name))).To(BeNumerically("<=", 1), "the decision of %s sent once", s.Name)
		}
	})

	It("after recording a token: the restarted operator keeps it and delivers on it", func() {
		key := newRequest(ns, "crash-after-token", []string{"alice"}, 0)
		op := startOperator(stepfunctions.Wrap(sfnLocal.client, nil))
		held := waitTokens(key, 1)
		sealed, token := slotOf(held, "alice").TaskToken, tokenOf(held, "alice")
		op.stop()

		op = startOperator(stepfunctions.Wrap(sfnLocal.client, nil))
		defer op.stop()
		annotate(key, "approvals.tollgate.dev/alice", "approve")
		obj := waitPhase(key, v1.PhaseApproved)
		Expect(slotOf(obj, "alice").TaskToken).To(Equal(sealed))
		Expect(sfnLocal.sendsFor(token)).To(Equal(1))
		waitExecution(obj, sfntypes.ExecutionStatusSucceeded, "")
	})

	It("after SendTaskSuccess, before the status write: the decision takes effect once", func() {
		key := newRequest(ns, "crash-send", []string{"alice"}, 0)
		var token atomic.Value // written by the spec, read by the operator's goroutines
		token.Store("")
		crashOperator("SendTaskSuccess", func(t string) bool { return t == token.Load() }, func() {
			token.Store(tokenOf(waitTokens(key, 1), "alice"))
			annotate(key, "approvals.tollgate.dev/alice", "approve")
		})
		obj := getRequest(key)
		alice := slotOf(obj, "alice")
		Expect(alice.Decision).To(Equal(v1.DecisionApprove), "the decision was recorded before it was sent")
		Expect(alice.SentAt).To(BeNil(), "the crash came before the delivery was recorded")

		op := startOperator(stepfunctions.Wrap(sfnLocal.client, nil))
		defer op.stop()
		By("re-issuing the outcome report if the dead process had taken it")
		sfnLocal.clock.Advance(301 * time.Second)
		obj = waitPhase(key, v1.PhaseApproved)
		// sentAt is set when the restarted operator re-sends first (Step Functions answers
		// TaskTimedOut); when the outcome report overtakes the re-send it stays empty, because
		// the operator cannot tell from the token alone that the dead process delivered it.
		Expect(slotOf(obj, "alice").Decision).To(Equal(v1.DecisionApprove))
		waitExecution(obj, sfntypes.ExecutionStatusSucceeded, "")
		succeeded, _, _ := activityResults(obj)
		Expect(succeeded).To(Equal(2), "one approval and the outcome report: the re-sent approval was refused (TaskTimedOut)")
		if slotOf(obj, "alice").SentAt != nil {
			Eventually(func() []string { return eventReasons(key) }, settle).Should(ContainElement("TokenClosed"))
		}
	})
})
