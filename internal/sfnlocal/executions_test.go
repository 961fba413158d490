package sfnlocal

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

func (e *env) startErr(machineArn, name, input string) (*sfn.StartExecutionOutput, error) {
	return e.client.StartExecution(e.ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(machineArn), Name: aws.String(name), Input: aws.String(input)})
}

func TestStartExecution_SameNameSameInputWhileRunning_SameExecution(t *testing.T) {
	e := newEnv(t, Options{})
	act := e.activity("approve")
	sm := e.machine("m", sprintf(approvalTask, act))
	first, err := e.startErr(sm, "run", `{"a":1}`)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(3e9)
	second, err := e.startErr(sm, "run", `{"a":1}`)
	if err != nil {
		t.Fatalf("second StartExecution: %v", err)
	}
	if aws.ToString(second.ExecutionArn) != aws.ToString(first.ExecutionArn) || !second.StartDate.Equal(*first.StartDate) {
		t.Fatalf("second = %v %v, want %v %v", aws.ToString(second.ExecutionArn), second.StartDate, aws.ToString(first.ExecutionArn), first.StartDate)
	}
}

func TestStartExecution_SameNameDifferentInput_ExecutionAlreadyExists(t *testing.T) {
	e := newEnv(t, Options{})
	act := e.activity("approve")
	sm := e.machine("m", sprintf(approvalTask, act))
	e.start(sm, "run", `{"a":1}`)
	_, err := e.startErr(sm, "run", `{"a":2}`)
	wantAPIError[*types.ExecutionAlreadyExists](t, err)
}

func TestStartExecution_NameOfClosedExecution_ExecutionAlreadyExists(t *testing.T) {
	e := newEnv(t, Options{})
	sm := e.machine("m", passMachine)
	e.start(sm, "run", `{}`)
	_, err := e.startErr(sm, "run", `{}`)
	wantAPIError[*types.ExecutionAlreadyExists](t, err)
}

func TestStartExecution_InputNotJSON_InvalidExecutionInput(t *testing.T) {
	e := newEnv(t, Options{})
	sm := e.machine("m", passMachine)
	for _, in := range []string{`not json`, `{'a':1}`, `{"a":1} x`} {
		_, err := e.startErr(sm, "run", in)
		wantAPIError[*types.InvalidExecutionInput](t, err)
	}
}

func TestStartExecution_InputOver256KiB_ValidationException(t *testing.T) {
	e := newEnv(t, Options{})
	sm := e.machine("m", passMachine)
	_, err := e.startErr(sm, "run", `"`+strings.Repeat("x", 256*1024)+`"`)
	wantAPIError[*types.ValidationException](t, err)
}

func TestStartExecution_ScalarInput_Accepted(t *testing.T) {
	e := newEnv(t, Options{})
	sm := e.machine("m", passMachine)
	for i, in := range []string{`2`, `"text"`, `null`, `[1,2]`, `true`} {
		exec := e.start(sm, sprintf("run-%d", i), in)
		out := e.wantStatus(exec, types.ExecutionStatusSucceeded)
		jsonEq(t, aws.ToString(out.Output), in)
		jsonEq(t, aws.ToString(out.Input), in)
	}
}

func TestStartExecution_BadArn_InvalidArn(t *testing.T) {
	e := newEnv(t, Options{})
	_, err := e.startErr("arn:aws:states:us-east-1:123456789012:activity:x", "run", `{}`)
	wantAPIError[*types.InvalidArn](t, err)
	_, err = e.startErr("garbage", "run", `{}`)
	wantAPIError[*types.InvalidArn](t, err)
}

func TestStartExecution_UnknownMachine_StateMachineDoesNotExist(t *testing.T) {
	e := newEnv(t, Options{})
	_, err := e.startErr("arn:aws:states:us-east-1:123456789012:stateMachine:nope", "run", `{}`)
	wantAPIError[*types.StateMachineDoesNotExist](t, err)
}

func TestStartExecution_InvalidName_InvalidName(t *testing.T) {
	e := newEnv(t, Options{})
	sm := e.machine("m", passMachine)
	_, err := e.startErr(sm, "bad name", `{}`)
	wantAPIError[*types.InvalidName](t, err)
}

func TestDescribeExecution_Unknown_ExecutionDoesNotExist(t *testing.T) {
	e := newEnv(t, Options{})
	_, err := e.client.DescribeExecution(e.ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String("arn:aws:states:us-east-1:123456789012:execution:m:nope")})
	wantAPIError[*types.ExecutionDoesNotExist](t, err)
}

func TestStopExecution_Unknown_ExecutionDoesNotExist(t *testing.T) {
	e := newEnv(t, Options{})
	_, err := e.client.StopExecution(e.ctx, &sfn.StopExecutionInput{ExecutionArn: aws.String("arn:aws:states:us-east-1:123456789012:execution:m:nope")})
	wantAPIError[*types.ExecutionDoesNotExist](t, err)
}

func TestStopExecution_Running_AbortedAndTokenTaskTimedOut(t *testing.T) {
	e := newEnv(t, Options{})
	act := e.activity("approve")
	sm := e.machine("m", sprintf(approvalTask, act))
	exec := e.start(sm, "run", `{}`)
	token, _ := e.poll(act)
	e.clock.Advance(2e9)
	stop, err := e.client.StopExecution(e.ctx, &sfn.StopExecutionInput{ExecutionArn: aws.String(exec), Error: aws.String("Cancelled"), Cause: aws.String("by test")})
	if err != nil {
		t.Fatalf("StopExecution: %v", err)
	}
	out := e.wantStatus(exec, types.ExecutionStatusAborted)
	if aws.ToString(out.Error) != "Cancelled" || aws.ToString(out.Cause) != "by test" || !out.StopDate.Equal(*stop.StopDate) {
		t.Fatalf("DescribeExecution = error %q cause %q stop %v", aws.ToString(out.Error), aws.ToString(out.Cause), out.StopDate)
	}
	wantAPIError[*types.TaskTimedOut](t, e.succeed(token, `{}`))
	wantAPIError[*types.TaskTimedOut](t, e.fail(token, "x", "y"))
	events := e.history(exec)
	if last := events[len(events)-1]; last.Type != types.HistoryEventTypeExecutionAborted || aws.ToString(last.ExecutionAbortedEventDetails.Error) != "Cancelled" {
		t.Fatalf("last event = %+v", last)
	}
}

func TestListExecutions_StatusFilterAndPaging(t *testing.T) {
	e := newEnv(t, Options{})
	act := e.activity("approve")
	sm := e.machine("m", sprintf(approvalTask, act))
	for _, n := range []string{"r1", "r2", "r3"} {
		e.start(sm, n, `{}`)
	}
	token, _ := e.poll(act)
	if err := e.succeed(token, `{}`); err != nil {
		t.Fatal(err)
	}
	running, err := e.client.ListExecutions(e.ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm), StatusFilter: types.ExecutionStatusRunning})
	if err != nil || len(running.Executions) != 2 {
		t.Fatalf("running = %+v, %v", running, err)
	}
	var names []string
	p := sfn.NewListExecutionsPaginator(e.client, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm), MaxResults: 1})
	for p.HasMorePages() {
		page, err := p.NextPage(e.ctx)
		if err != nil {
			t.Fatalf("ListExecutions: %v", err)
		}
		for _, x := range page.Executions {
			names = append(names, aws.ToString(x.Name))
		}
	}
	if strings.Join(names, ",") != "r3,r2,r1" {
		t.Fatalf("executions = %v, want newest first", names)
	}
	_, err = e.client.ListExecutions(e.ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm), StatusFilter: "succeeded"})
	wantAPIError[*types.ValidationException](t, err)
}
