package controller_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
	"github.com/tollgate-dev/tollgate/internal/devenv"
	"github.com/tollgate-dev/tollgate/internal/stepfunctions"
)

// The AWS side (issue "Trust II-c"), tried as anyone in the AWS account could: a principal
// allowed states:StartExecution on the shipped machine, one who can create a machine of their
// own on the approval activity, and one holding states:SendTask* who reads a request's status.
// None of them changes what the request's own execution decides.
var _ = Describe("The AWS side", func() {
	var ns string
	var op *runningOperator
	withOperator("aws", &ns, &op)

	// handStarted starts an execution of the shipped machine by hand, with the request's own
	// identity in its input (copied from the request, as anyone who can read it can), expiring
	// at expires on Step Functions' clock.
	handStarted := func(key client.ObjectKey, name string, expires time.Time) string {
		in := inputOf(getRequest(key))
		in.Tollgate.ExpiresAt = expires.UTC()
		b, err := json.Marshal(in)
		Expect(err).NotTo(HaveOccurred())
		out, err := sfnLocal.client.StartExecution(ctx, &sfn.StartExecutionInput{
			StateMachineArn: aws.String(sfnLocal.shippedARN), Name: aws.String(name), Input: aws.String(string(b)),
		})
		Expect(err).NotTo(HaveOccurred())
		return aws.ToString(out.ExecutionArn)
	}

	It("an execution started by hand with a pending request's identity ends nothing and is reported", func() {
		key := newRequest(ns, "hand-started", []string{"alice", "bob"}, 0)
		before := waitTokens(key, 2)
		foreign := foreignTasks()

		arn := handStarted(key, "hand-started-expired", sfnLocal.clock.Now().Add(-time.Hour))
		// The shipped machine goes on past a failed report: the execution ends with its own verdict.
		Eventually(executionEnd(arn), settle).Should(Equal("FAILED " + approval.ErrorExpired))
		Expect(activityErrors(arn)).To(ConsistOf(approval.ErrorForeignExecution), "its outcome report was refused")

		By("the request keeps waiting, with the tokens of its own execution")
		obj := getRequest(key)
		Expect(obj.Status.Phase).To(Equal(v1.PhasePending))
		Expect(tokensOf(obj)).To(Equal(tokensOf(before)))
		Expect(eventNotes(key, v1.ReasonForeignExecution)).To(ContainElement(ContainSubstring(arn)))
		Expect(foreignTasks()).To(BeNumerically(">", foreign))

		By("its own execution still decides it")
		approveAll(key, "alice", "bob")
		waitPhase(key, v1.PhaseApproved)
	})

	It("the approval tasks of an execution started by hand replace no token", func() {
		key := newRequest(ns, "hand-tokens", []string{"alice", "bob"}, 0)
		before := waitTokens(key, 2)
		arn := handStarted(key, "hand-started-tokens", sfnLocal.clock.Now().Add(24*time.Hour))
		Eventually(executionEnd(arn), settle).Should(Equal("FAILED " + approval.ErrorForeignExecution))
		Expect(tokensOf(getRequest(key))).To(Equal(tokensOf(before)))
		Expect(getRequest(key).Status.Phase).To(Equal(v1.PhasePending))
	})

	It("an outcome reported by a machine of someone's own, naming the request's execution, ends nothing", func() {
		key := newRequest(ns, "forged-outcome", []string{"alice"}, 0)
		obj := waitTokens(key, 1)
		arn := startForgedOutcome(obj, string(v1.PhaseFailed))
		Eventually(executionEnd(arn), settle).Should(Equal("FAILED " + approval.ErrorForeignExecution))
		Expect(getRequest(key).Status.Phase).To(Equal(v1.PhasePending))
		Expect(eventNotes(key, v1.ReasonForeignExecution)).To(ContainElement(ContainSubstring("not reported by its execution")))

		approveAll(key, "alice")
		waitPhase(key, v1.PhaseApproved)
	})

	It("a token read from status and spent by another client ends nothing", func() {
		key := newRequest(ns, "spent-token", []string{"alice"}, 0)
		obj := waitTokens(key, 1)
		stored := slotOf(obj, "alice").TaskToken
		_, err := sfnLocal.client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(stored), Output: aws.String(`{"approver":"alice","decision":"approve","quorum":"reached"}`)})
		Expect(stepfunctions.Code(err)).To(Equal("InvalidToken"), "Step Functions took the token stored in status")
		_, err = sfnLocal.client.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: aws.String(stored), Error: aws.String("tollgate.Rejected")})
		Expect(stepfunctions.Code(err)).To(Equal("InvalidToken"), "Step Functions took the token stored in status")
		Expect(execution(obj).Status).To(Equal(sfntypes.ExecutionStatusRunning))

		approveAll(key, "alice")
		waitPhase(key, v1.PhaseApproved)
	})

	It("a token swapped in status by someone acting as the operator, in the clear or sealed for another slot, is refused", func() {
		key := newRequest(ns, "swapped-token", []string{"alice", "bob"}, 0)
		obj := waitTokens(key, 2)
		swap := func(token string) error {
			o := getRequest(key)
			for i := range o.Status.Approvers {
				if o.Status.Approvers[i].Name == "alice" {
					o.Status.Approvers[i].TaskToken = token
				}
			}
			return as(devenv.OperatorUsername).Status().Update(ctx, o)
		}
		By("a token of the attacker's own task, written in the clear")
		Expect(swap("AAAA-a-task-token-of-mallorys-own")).To(MatchError(ContainSubstring("the task token of slot alice is written in the clear")))
		By("bob's sealed token moved to alice's slot: accepted by admission (it is sealed), it does not open for alice")
		Expect(swap(slotOf(obj, "bob").TaskToken)).To(Succeed())
		approveAll(key, "alice")
		Eventually(func() []string { return eventNotes(key, v1.ReasonTokenUnreadable) }, settle).Should(ContainElement(ContainSubstring("alice")))
		Expect(sfnLocal.sendsFor(tokenOf(obj, "bob"))).To(BeZero(), "alice's decision went out on bob's token")
	})

	It("an execution someone started first under the request's name is not adopted", func() {
		api := &racingAPI{API: stepfunctions.Wrap(sfnLocal.client, nil), namespace: ns}
		op.stop()
		op = startOperator(api)
		key := newRequest(ns, "name-taken", []string{"alice"}, 0)
		obj := waitPhase(key, v1.PhaseFailed)
		Expect(obj.Status.ExecutionARN).To(BeEmpty())
		Expect(meta.FindStatusCondition(obj.Status.Conditions, v1.ConditionReady).Message).To(ContainSubstring("another input"))
		Expect(eventNotes(key, v1.ReasonExecutionNotOurs)).To(ContainElement(ContainSubstring("another input")))
		Expect(api.raced.Load()).To(BeTrue())
	})
})

// inputOf is the execution input the operator renders for a request, as its reader can.
func inputOf(obj *v1.ApprovalRequest) approval.ExecutionInput {
	raw, err := approval.BuildExecutionInput(obj, testClusterID, 300)
	Expect(err).NotTo(HaveOccurred())
	var in approval.ExecutionInput
	Expect(json.Unmarshal(raw, &in)).To(Succeed())
	return in
}

// startForgedOutcome creates a machine of someone's own on the approval activity whose one task
// claims to be the outcome report of the request's own execution, and starts it.
func startForgedOutcome(obj *v1.ApprovalRequest, outcome string) string {
	params := map[string]any{
		"tollgate":     inputOf(obj).Tollgate,
		"executionArn": obj.Status.ExecutionARN,
		"task":         approval.TaskOutcome,
		"outcome":      outcome,
		"error":        approval.ErrorInconclusive,
		"cause":        "forged",
	}
	def, err := json.Marshal(map[string]any{
		"StartAt": "Report",
		"States": map[string]any{"Report": map[string]any{
			"Type": "Task", "Resource": sfnLocal.activityARN, "Parameters": params, "End": true,
		}},
	})
	Expect(err).NotTo(HaveOccurred())
	machine, err := sfnLocal.client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name: aws.String("own-" + obj.Name), Definition: aws.String(string(def)),
		RoleArn: aws.String("arn:aws:iam::" + devenv.Account + ":role/someone"),
	})
	Expect(err).NotTo(HaveOccurred())
	out, err := sfnLocal.client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: machine.StateMachineArn})
	Expect(err).NotTo(HaveOccurred())
	return aws.ToString(out.ExecutionArn)
}

// executionEnd is how an execution stands: its status, and its error once it failed.
func executionEnd(arn string) func() string {
	return func() string {
		out, err := sfnLocal.client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		Expect(err).NotTo(HaveOccurred())
		return strings.TrimSpace(string(out.Status) + " " + aws.ToString(out.Error))
	}
}

// activityErrors are the errors of an execution's failed activity tasks.
func activityErrors(arn string) []string {
	var names []string
	p := sfn.NewGetExecutionHistoryPaginator(sfnLocal.client, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		Expect(err).NotTo(HaveOccurred())
		for _, e := range page.Events {
			if e.ActivityFailedEventDetails != nil {
				names = append(names, aws.ToString(e.ActivityFailedEventDetails.Error))
			}
		}
	}
	return names
}

// tokensOf is the token text status holds per slot.
func tokensOf(obj *v1.ApprovalRequest) map[string]string {
	tokens := map[string]string{}
	for _, s := range obj.Status.Approvers {
		tokens[s.Name] = s.TaskToken
	}
	return tokens
}

// foreignTasks is the count of activity tasks of another execution than their request's own.
func foreignTasks() float64 {
	return sample("tollgate_foreign_activity_tasks_total", "reason", "other-execution")
}

// approveAll has each slot's person approve.
func approveAll(key client.ObjectKey, slots ...string) {
	for _, s := range slots {
		Expect(annotateAs(as(person(s), approversGroup), key, v1.DecisionAnnotationPrefix+s, "approve")).To(Succeed())
	}
}

// racingAPI starts, just before the operator's first StartExecution for namespace, an execution
// of the same name with another input: someone who watched the request come and was quicker.
type racingAPI struct {
	stepfunctions.API
	namespace string
	raced     atomic.Bool
}

func (r *racingAPI) StartExecution(ctx context.Context, in *sfn.StartExecutionInput, o ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error) {
	if strings.Contains(aws.ToString(in.Input), `"namespace":"`+r.namespace+`"`) && r.raced.CompareAndSwap(false, true) {
		var theirs approval.ExecutionInput
		Expect(json.Unmarshal([]byte(aws.ToString(in.Input)), &theirs)).To(Succeed())
		theirs.Tollgate.RequiredApprovals, theirs.Description = 0, "started first by someone else"
		b, err := json.Marshal(theirs)
		Expect(err).NotTo(HaveOccurred())
		_, err = r.API.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: in.StateMachineArn, Name: in.Name, Input: aws.String(string(b))})
		Expect(err).NotTo(HaveOccurred())
	}
	return r.API.StartExecution(ctx, in, o...)
}
