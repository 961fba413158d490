package sfnlocal

import (
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

func (e *env) deleteMachine(arn string) {
	e.t.Helper()
	if _, err := e.client.DeleteStateMachine(e.ctx, &sfn.DeleteStateMachineInput{StateMachineArn: aws.String(arn)}); err != nil {
		e.t.Fatalf("DeleteStateMachine: %v", err)
	}
}

func (e *env) machineStatus(arn string) (types.StateMachineStatus, error) {
	out, err := e.client.DescribeStateMachine(e.ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
	if err != nil {
		return "", err
	}
	return out.Status, nil
}

// wantDeleting asserts what AWS answers about a state machine being deleted
// while executions of it run: DescribeStateMachine shows it DELETING, and
// StartExecution, UpdateStateMachine and a CreateStateMachine of the same
// name are refused with StateMachineDeleting.
func (e *env) wantDeleting(sm string) {
	e.t.Helper()
	if status, err := e.machineStatus(sm); err != nil || status != types.StateMachineStatusDeleting {
		e.t.Fatalf("DescribeStateMachine = %s, %v; want DELETING", status, err)
	}
	_, err := e.startErr(sm, "late", `{}`)
	wantAPIError[*types.StateMachineDeleting](e.t, err)
	_, err = e.client.UpdateStateMachine(e.ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(sm), RoleArn: aws.String(testRole + "-2")})
	wantAPIError[*types.StateMachineDeleting](e.t, err)
	_, err = e.createMachine("m", passMachine, testRole)
	wantAPIError[*types.StateMachineDeleting](e.t, err)
}

// DeleteStateMachine while executions run: "This is an asynchronous
// operation. It sets the state machine's status to DELETING and begins the
// deletion process. A state machine is deleted only when all its executions
// are completed." (API reference, DeleteStateMachine). Until then
// StartExecution, CreateStateMachine and UpdateStateMachine answer
// StateMachineDeleting ("The specified state machine is being deleted.",
// API reference, StartExecution Errors; the model lists it for these three
// calls). The running executions go on and can be completed; once the last
// one ends, the machine is gone. sfnlocal removed the machine at once.
func TestDeleteStateMachine_ExecutionsRunning_DeletingUntilTheyEnd(t *testing.T) {
	e := newEnv(t, Options{})
	act := e.activity("approve")
	sm := e.machine("m", sprintf(approvalTask, act))
	first := e.start(sm, "first", `{}`)
	second := e.start(sm, "second", `{}`)
	e.deleteMachine(sm)
	e.wantDeleting(sm)
	e.deleteMachine(sm) // again: still fine

	token, _ := e.poll(act)
	if err := e.succeed(token, `"ok"`); err != nil {
		t.Fatal(err)
	}
	e.wantStatus(first, types.ExecutionStatusSucceeded)
	e.wantDeleting(sm) // one execution still runs

	e.stop(second)
	_, err := e.machineStatus(sm)
	wantAPIError[*types.StateMachineDoesNotExist](t, err)
	_, err = e.startErr(sm, "late", `{}`)
	wantAPIError[*types.StateMachineDoesNotExist](t, err)
	e.wantStatus(first, types.ExecutionStatusSucceeded) // executions stay describable
	e.machine("m", passMachine)                         // the name is free again
}

// DeleteStateMachine without running executions deletes at once.
func TestDeleteStateMachine_NoExecutionRunning_GoneAtOnce(t *testing.T) {
	e := newEnv(t, Options{})
	sm := e.machine("m", passMachine)
	e.wantStatus(e.start(sm, "done", `{}`), types.ExecutionStatusSucceeded)
	e.deleteMachine(sm)
	_, err := e.machineStatus(sm)
	wantAPIError[*types.StateMachineDoesNotExist](t, err)
}

// A machine being deleted is still being deleted after a restart, and goes
// when its execution ends (an execution timeout here).
func TestDeleteStateMachine_Deleting_SurvivesRestart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state")
	e := newEnv(t, Options{StateFile: file})
	sm := e.machine("m", `{"StartAt":"W","TimeoutSeconds":60,"States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`)
	exec := e.start(sm, "run", `{}`)
	e.deleteMachine(sm)
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	again := newEnv(t, Options{StateFile: file})
	again.wantDeleting(sm)
	again.clock.Advance(60e9)
	again.wantStatus(exec, types.ExecutionStatusTimedOut)
	_, err := again.machineStatus(sm)
	wantAPIError[*types.StateMachineDoesNotExist](t, err)
}
