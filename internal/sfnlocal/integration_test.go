package sfnlocal

import (
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// Service integrations and Lambda functions are accepted at creation, as AWS
// accepts them, and (but sns:publish, sns_test.go) fail with
// States.TaskFailed when a Task reaches them.

const sqsCause = "sfnlocal does not execute arn:aws:states:::sqs:sendMessage: only activity tasks and sns:publish run locally"

func TestCreateStateMachine_IntegrationResources_Accepted(t *testing.T) {
	e := newEnv(t, Options{})
	for i, res := range []string{
		"arn:aws:states:::sns:publish",
		"arn:aws:states:::lambda:invoke",
		"arn:aws:states:::lambda:invoke.waitForTaskToken",
		"arn:aws:states:::states:startExecution.sync",
		"arn:aws:states:::states:startExecution.sync:2",
		"arn:aws:states:::ecs:runTask.sync",
		"arn:aws:states:::emr-containers:startJobRun.sync",
		"arn:aws:states:::aws-sdk:s3:getObject",
		"arn:aws-us-gov:states:::sqs:sendMessage.waitForTaskToken",
		"arn:aws:lambda:us-east-1:123456789012:function:f",
		"arn:aws:lambda:eu-west-3:123456789012:function:my_fn-2:$LATEST",
		"arn:aws:lambda:us-gov-west-1:123456789012:function:f:live",
	} {
		t.Run(res, func(t *testing.T) {
			if _, err := e.createMachine(sprintf("m%d", i), sprintf(approvalTask, res), testRole); err != nil {
				t.Fatalf("CreateStateMachine: %v", err)
			}
		})
	}
}

func TestCreateStateMachine_MalformedResource_AWSMessage(t *testing.T) {
	e := newEnv(t, Options{})
	for _, res := range []string{
		"arn:aws:states:::sns",
		"arn:aws:states:::sns:publish.async",
		"arn:aws:states:::sns:publish.sync:3",
		"arn:aws:states:us-east-1::sns:publish",
		"arn:aws:states:::aws-sdk:s3",
		"arn:aws:lambda:us-east-1:123:function:f",
		"arn:aws:lambda:us-east-1:123456789012:layer:f",
		"sns:publish",
	} {
		t.Run(res, func(t *testing.T) {
			_, err := e.createMachine("m", sprintf(approvalTask, res), testRole)
			got := apiError[*types.InvalidDefinition](t, err)
			want := "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The resource provided " + res + " is not recognized. The value is not a valid resource ARN, or the resource is not available in this region. at /States/Approve/Resource'"
			if got.ErrorMessage() != want {
				t.Fatalf("message = %q, want %q", got.ErrorMessage(), want)
			}
		})
	}
}

const notifyThenDone = `{"StartAt":"Notify","States":{
	"Notify":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage",
		"Parameters":{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/q","MessageBody.$":"$.msg"},
		"ResultPath":null,%s"Next":"Done"},
	"Done":{"Type":"Succeed"}}}`

func TestIntegrationTask_CaughtByStatesALL_ContinuesToSucceed(t *testing.T) {
	e := newEnv(t, Options{})
	sm := e.machine("m", sprintf(notifyThenDone, `"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.notifyError","Next":"Done"}],`))
	exec := e.start(sm, "run", `{"msg":"hello"}`)
	out := e.wantStatus(exec, types.ExecutionStatusSucceeded)
	jsonEq(t, aws.ToString(out.Output), `{"msg":"hello","notifyError":{"Error":"States.TaskFailed","Cause":"`+sqsCause+`"}}`)

	events := e.history(exec)
	want := []string{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskFailed", "TaskStateExited", "SucceedStateEntered", "SucceedStateExited", "ExecutionSucceeded"}
	if got := eventTypes(events); !slices.Equal(got, want) {
		t.Fatalf("history = %v, want %v", got, want)
	}
	sched := events[2].TaskScheduledEventDetails
	if sched == nil || aws.ToString(sched.ResourceType) != "sqs" || aws.ToString(sched.Resource) != "sendMessage" || aws.ToString(sched.Region) != "us-east-1" {
		t.Fatalf("TaskScheduled details = %+v", sched)
	}
	jsonEq(t, aws.ToString(sched.Parameters), `{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/q","MessageBody":"hello"}`)
	failed := events[3].TaskFailedEventDetails
	if failed == nil || aws.ToString(failed.ResourceType) != "sqs" || aws.ToString(failed.Resource) != "sendMessage" ||
		aws.ToString(failed.Error) != "States.TaskFailed" || aws.ToString(failed.Cause) != sqsCause {
		t.Fatalf("TaskFailed details = %+v", failed)
	}
}

func TestIntegrationTask_Uncaught_ExecutionFailedWithTaskFailed(t *testing.T) {
	e := newEnv(t, Options{})
	sm := e.machine("m", sprintf(notifyThenDone, ""))
	exec := e.start(sm, "run", `{"msg":"hello"}`)
	out := e.wantStatus(exec, types.ExecutionStatusFailed)
	if aws.ToString(out.Error) != "States.TaskFailed" || aws.ToString(out.Cause) != sqsCause {
		t.Fatalf("error %q cause %q", aws.ToString(out.Error), aws.ToString(out.Cause))
	}
	want := []string{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskFailed", "ExecutionFailed"}
	if got := eventTypes(e.history(exec)); !slices.Equal(got, want) {
		t.Fatalf("history = %v, want %v", got, want)
	}
}

func TestIntegrationTask_Retry_SchedulesAgainThenFails(t *testing.T) {
	e := newEnv(t, Options{})
	sm := e.machine("m", sprintf(notifyThenDone, `"Retry":[{"ErrorEquals":["States.TaskFailed"],"IntervalSeconds":2,"MaxAttempts":1}],`))
	exec := e.start(sm, "run", `{"msg":"hello"}`)
	e.wantStatus(exec, types.ExecutionStatusRunning)
	e.clock.Advance(2 * time.Second)
	e.wantStatus(exec, types.ExecutionStatusFailed)
	want := []string{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskFailed", "TaskScheduled", "TaskFailed", "ExecutionFailed"}
	if got := eventTypes(e.history(exec)); !slices.Equal(got, want) {
		t.Fatalf("history = %v, want %v", got, want)
	}
}

func TestIntegrationTask_BadParameters_StatesRuntime(t *testing.T) {
	e := newEnv(t, Options{})
	sm := e.machine("m", sprintf(notifyThenDone, `"Catch":[{"ErrorEquals":["States.TaskFailed"],"Next":"Done"}],`))
	exec := e.start(sm, "run", `{}`)
	out := e.wantStatus(exec, types.ExecutionStatusFailed)
	if aws.ToString(out.Error) != "States.Runtime" {
		t.Fatalf("error %q cause %q, want States.Runtime", aws.ToString(out.Error), aws.ToString(out.Cause))
	}
}

func TestIntegrationTask_LambdaFunction_LambdaFunctionFailed(t *testing.T) {
	e := newEnv(t, Options{})
	const fn = "arn:aws:lambda:us-east-1:123456789012:function:f"
	exec := e.start(e.machine("m", sprintf(approvalTask, fn)), "run", `{"a":1}`)
	out := e.wantStatus(exec, types.ExecutionStatusFailed)
	if aws.ToString(out.Error) != "States.TaskFailed" || aws.ToString(out.Cause) != "sfnlocal does not execute "+fn+": only activity tasks and sns:publish run locally" {
		t.Fatalf("error %q cause %q", aws.ToString(out.Error), aws.ToString(out.Cause))
	}
	events := e.history(exec)
	want := []string{"ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionFailed", "ExecutionFailed"}
	if got := eventTypes(events); !slices.Equal(got, want) {
		t.Fatalf("history = %v, want %v", got, want)
	}
	if d := events[2].LambdaFunctionScheduledEventDetails; d == nil || aws.ToString(d.Resource) != fn || aws.ToString(d.Input) != `{"a":1}` {
		t.Fatalf("LambdaFunctionScheduled details = %+v", d)
	}
	if d := events[3].LambdaFunctionFailedEventDetails; d == nil || aws.ToString(d.Error) != "States.TaskFailed" {
		t.Fatalf("LambdaFunctionFailed details = %+v", d)
	}
}

func TestIntegrationTask_WaitForTaskToken_ParametersSeeToken(t *testing.T) {
	e := newEnv(t, Options{})
	def := `{"StartAt":"Q","States":{"Q":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
		"Parameters":{"QueueUrl":"q","MessageBody":{"token.$":"$$.Task.Token"}},"End":true}}}`
	exec := e.start(e.machine("m", def), "run", `{}`)
	out := e.wantStatus(exec, types.ExecutionStatusFailed)
	if aws.ToString(out.Error) != "States.TaskFailed" {
		t.Fatalf("error %q cause %q, want States.TaskFailed", aws.ToString(out.Error), aws.ToString(out.Cause))
	}
	if d := e.history(exec)[2].TaskScheduledEventDetails; d == nil || aws.ToString(d.Resource) != "sendMessage.waitForTaskToken" || aws.ToString(d.ResourceType) != "sqs" {
		t.Fatalf("TaskScheduled details = %+v", d)
	}
}
