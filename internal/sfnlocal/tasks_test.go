package sfnlocal

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// runningTask starts a one-task execution and returns its delivered token.
func (e *env) runningTask() (exec, token string) {
	e.t.Helper()
	act := e.activity("approve")
	sm := e.machine("m", sprintf(approvalTask, act))
	exec = e.start(sm, "run", `{}`)
	token, _ = e.poll(act)
	return exec, token
}

func TestSendTaskSuccess_UsedToken_TaskTimedOut(t *testing.T) {
	e := newEnv(t, Options{})
	_, token := e.runningTask()
	if err := e.succeed(token, `{}`); err != nil {
		t.Fatal(err)
	}
	wantAPIError[*types.TaskTimedOut](t, e.succeed(token, `{}`))
}

func TestSendTaskSuccess_NeverIssuedToken_InvalidToken(t *testing.T) {
	e := newEnv(t, Options{})
	wantAPIError[*types.InvalidToken](t, e.succeed("AAAAKgAAAAIAAAAAAAAAAQ", `{}`))
	wantAPIError[*types.InvalidToken](t, e.fail("not a token!", "e", "c"))
	_, err := e.client.SendTaskHeartbeat(e.ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String("nope")})
	wantAPIError[*types.InvalidToken](t, err)
}

// sendTaskCalls are the three calls that take a task token.
func (e *env) sendTaskCalls() map[string]func(token string) error {
	return map[string]func(string) error{
		"SendTaskSuccess": func(token string) error { return e.succeed(token, `{}`) },
		"SendTaskFailure": func(token string) error { return e.fail(token, "e", "c") },
		"SendTaskHeartbeat": func(token string) error {
			_, err := e.client.SendTaskHeartbeat(e.ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String(token)})
			return err
		},
	}
}

// AWS's model allows task tokens of 1 to 2,048 characters (API reference,
// SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat: taskToken "Length
// Constraints: Minimum length of 1. Maximum length of 2048."): an unknown
// token up to 2,048 characters is InvalidToken, a longer one a
// ValidationException. sfnlocal refused 1,025 to 2,048 characters as too long.
func TestSendTask_TokenLengthLimit2048(t *testing.T) {
	e := newEnv(t, Options{})
	for name, call := range e.sendTaskCalls() {
		t.Run(name, func(t *testing.T) {
			for _, n := range []int{1025, 2048} {
				wantAPIError[*types.InvalidToken](t, call(strings.Repeat("a", n)))
			}
			wantErrorCode(t, call(strings.Repeat("a", 2049)), "ValidationException")
		})
	}
}

func TestSendTaskSuccess_OutputNotJSON_InvalidOutput(t *testing.T) {
	e := newEnv(t, Options{})
	exec, token := e.runningTask()
	wantAPIError[*types.InvalidOutput](t, e.succeed(token, `{nope`))
	// The task is still outstanding.
	e.wantStatus(exec, types.ExecutionStatusRunning)
	if err := e.succeed(token, `"done"`); err != nil {
		t.Fatal(err)
	}
}

func TestSendTaskFailure_Uncaught_ExecutionFailedWithError(t *testing.T) {
	e := newEnv(t, Options{})
	exec, token := e.runningTask()
	if err := e.fail(token, "Rejected", "no way"); err != nil {
		t.Fatal(err)
	}
	out := e.wantStatus(exec, types.ExecutionStatusFailed)
	if aws.ToString(out.Error) != "Rejected" || aws.ToString(out.Cause) != "no way" {
		t.Fatalf("error %q cause %q", aws.ToString(out.Error), aws.ToString(out.Cause))
	}
	wantAPIError[*types.TaskTimedOut](t, e.fail(token, "Rejected", "again"))
}

func TestSendTaskHeartbeat_OpenTask_Accepted(t *testing.T) {
	e := newEnv(t, Options{})
	_, token := e.runningTask()
	if _, err := e.client.SendTaskHeartbeat(e.ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String(token)}); err != nil {
		t.Fatalf("SendTaskHeartbeat: %v", err)
	}
	if err := e.succeed(token, `{}`); err != nil {
		t.Fatal(err)
	}
	_, err := e.client.SendTaskHeartbeat(e.ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String(token)})
	wantAPIError[*types.TaskTimedOut](t, err)
}
