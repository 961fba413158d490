package stepfunctions

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// Engine is what the approval lifecycle asks of Step Functions, in tollgate's words: start an
// approval's execution, read how one stands, stop one, answer a task, and look in an
// execution's history for a task it scheduled. The lifecycle (internal/controller) holds an
// Engine and never builds an SDK input; NewEngine makes one over the SDK-shaped API.
//
// Errors are the SDK's, unwrapped: callers add their context, and ask Classify, Code,
// Describe, IsCallError and RefusesInput what they mean (the one table, errors.go).
type Engine interface {
	// StartApproval starts the execution run names. Starting it again while it runs with the
	// same input answers the same execution; once it closed, or with another input, the error
	// classifies Exists.
	StartApproval(ctx context.Context, run ApprovalRun) (Started, error)
	// Describe reads how the execution executionARN stands.
	Describe(ctx context.Context, executionARN string) (Execution, error)
	// Stop ends a running execution with the error name and cause given. An execution that is
	// gone classifies Gone.
	Stop(ctx context.Context, executionARN, errorName, cause string) error
	// Answer answers the task of token: a closed or re-issued token classifies Gone.
	Answer(ctx context.Context, token string, a Answer) error
	// TaskScheduled reports whether the execution scheduled an activity task whose input match
	// accepts, reading its history newest first: the task asked about is among its last events.
	TaskScheduled(ctx context.Context, executionARN string, match func(input []byte) bool) (bool, error)
}

// ApprovalRun is the execution of one approval: which state machine runs it, under which name
// (deterministic, so a repeated start finds it again) and with which input (the contract's JSON).
type ApprovalRun struct {
	StateMachineARN string
	Name            string
	Input           []byte
}

// Started is the execution StartApproval started (or found running).
type Started struct {
	ExecutionARN string
	StartedAt    time.Time
}

// ExecutionStatus is how an execution stands, in tollgate's type; its values are the names
// Step Functions gives them on the wire (DescribeExecution's status), so a log shows what the
// AWS console shows.
type ExecutionStatus string

// The statuses an execution can have.
const (
	ExecutionRunning        ExecutionStatus = "RUNNING"
	ExecutionSucceeded      ExecutionStatus = "SUCCEEDED"
	ExecutionFailed         ExecutionStatus = "FAILED"
	ExecutionTimedOut       ExecutionStatus = "TIMED_OUT"
	ExecutionAborted        ExecutionStatus = "ABORTED"
	ExecutionPendingRedrive ExecutionStatus = "PENDING_REDRIVE"
)

// Execution is how an execution stands, as Describe read it.
type Execution struct {
	Status ExecutionStatus
	// Input is the execution's input, as it was started.
	Input []byte
	// Error and Cause are what a failed, timed-out or stopped execution ended with.
	Error, Cause string
	// StoppedAt is when it ended; zero while it runs.
	StoppedAt time.Time
}

// Answer is what a task is answered with: a success carrying its JSON output, or a failure
// with an error name and a cause. Make one with Succeed, Fail or Acknowledge.
type Answer struct {
	output           string
	failed           bool
	errorName, cause string
}

// Succeed answers a task with its output (JSON).
func Succeed(output string) Answer { return Answer{output: output} }

// Fail answers a task with a failure: the state machine sees errorName (its Catch and Retry
// match on it) and cause.
func Fail(errorName, cause string) Answer {
	return Answer{failed: true, errorName: errorName, cause: cause}
}

// Acknowledge answers a task whose answer carries nothing (the outcome report): a success with
// an empty JSON object, which the state machine ignores.
func Acknowledge() Answer { return Succeed("{}") }

// NewEngine is the Engine that calls Step Functions through api (the wrapped API, so that every
// call is rate-limited, given a deadline and counted).
func NewEngine(api API) Engine { return &engine{api: api} }

type engine struct{ api API }

func (e *engine) StartApproval(ctx context.Context, run ApprovalRun) (Started, error) {
	out, err := e.api.StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: aws.String(run.StateMachineARN),
		Name:            aws.String(run.Name),
		Input:           aws.String(string(run.Input)),
	})
	if err != nil {
		return Started{}, err
	}
	return Started{ExecutionARN: aws.ToString(out.ExecutionArn), StartedAt: aws.ToTime(out.StartDate)}, nil
}

func (e *engine) Describe(ctx context.Context, executionARN string) (Execution, error) {
	out, err := e.api.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(executionARN)})
	if err != nil {
		return Execution{}, err
	}
	return Execution{
		Status:    ExecutionStatus(out.Status),
		Input:     []byte(aws.ToString(out.Input)),
		Error:     aws.ToString(out.Error),
		Cause:     aws.ToString(out.Cause),
		StoppedAt: aws.ToTime(out.StopDate),
	}, nil
}

func (e *engine) Stop(ctx context.Context, executionARN, errorName, cause string) error {
	_, err := e.api.StopExecution(ctx, &sfn.StopExecutionInput{
		ExecutionArn: aws.String(executionARN),
		Error:        aws.String(errorName),
		Cause:        aws.String(cause),
	})
	return err
}

func (e *engine) Answer(ctx context.Context, token string, a Answer) error {
	if a.failed {
		_, err := e.api.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{
			TaskToken: aws.String(token),
			Error:     aws.String(a.errorName),
			Cause:     aws.String(a.cause),
		})
		return err
	}
	_, err := e.api.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(a.output)})
	return err
}

// historyPage is the largest page GetExecutionHistory serves.
const historyPage = 1000

func (e *engine) TaskScheduled(ctx context.Context, executionARN string, match func(input []byte) bool) (bool, error) {
	p := sfn.NewGetExecutionHistoryPaginator(e.api, &sfn.GetExecutionHistoryInput{
		ExecutionArn: aws.String(executionARN), ReverseOrder: true, MaxResults: historyPage,
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return false, err
		}
		for _, ev := range page.Events {
			if ev.Type == sfntypes.HistoryEventTypeActivityScheduled && ev.ActivityScheduledEventDetails != nil &&
				match([]byte(aws.ToString(ev.ActivityScheduledEventDetails.Input))) {
				return true, nil
			}
		}
	}
	return false, nil
}
