package sfnlocal

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

func TestRestartFromStateFile_WaitingTokenStaysValid(t *testing.T) {
	file := filepath.Join(t.TempDir(), "sfnlocal.json")
	first := newEnv(t, Options{StateFile: file})
	act := first.activity("approve")
	sm := first.machine("parallel", parallelApproval(act))
	exec := first.start(sm, "run", `{}`)
	tokens := first.pollApprovers(act, 2) // the third task stays queued
	if err := first.succeed(tokens["a"], `"a-ok"`); err != nil {
		t.Fatal(err)
	}
	if err := first.srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	second := newEnv(t, Options{StateFile: file})
	second.wantStatus(exec, types.ExecutionStatusRunning)
	wantAPIError[*types.TaskTimedOut](t, second.succeed(tokens["a"], `"again"`))
	if err := second.succeed(tokens["b"], `"b-ok"`); err != nil {
		t.Fatalf("SendTaskSuccess after restart: %v", err)
	}
	queued := second.pollApprovers(act, 1)
	if err := second.succeed(queued["c"], `"c-ok"`); err != nil {
		t.Fatalf("SendTaskSuccess of the requeued task: %v", err)
	}
	out := second.wantStatus(exec, types.ExecutionStatusSucceeded)
	jsonEq(t, aws.ToString(out.Output), `["a-ok","b-ok","c-ok"]`)
	got := eventTypes(second.history(exec))
	if got[0] != "ExecutionStarted" || got[len(got)-1] != "ExecutionSucceeded" || !slices.Contains(got, "ParallelStateStarted") {
		t.Fatalf("history after restart = %v", got)
	}
}

func TestRestartFromStateFile_DeadlinesResume(t *testing.T) {
	file := filepath.Join(t.TempDir(), "sfnlocal.json")
	first := newEnv(t, Options{StateFile: file})
	act := first.activity("approve")
	sm := first.machine("m", heartbeatTask(act, ""))
	exec := first.start(sm, "run", `{}`)
	token, _ := first.poll(act)
	first.clock.Advance(4 * time.Second)
	if err := first.srv.Close(); err != nil {
		t.Fatal(err)
	}

	clock := NewFakeClock(t0.Add(4 * time.Second))
	second := newEnv(t, Options{StateFile: file, Clock: clock})
	clock.Advance(5 * time.Second)
	second.wantStatus(exec, types.ExecutionStatusRunning)
	clock.Advance(time.Second) // 10s after scheduling: heartbeat timeout
	out := second.wantStatus(exec, types.ExecutionStatusFailed)
	if aws.ToString(out.Error) != "States.Timeout" {
		t.Fatalf("error = %q", aws.ToString(out.Error))
	}
	wantAPIError[*types.TaskTimedOut](t, second.succeed(token, `{}`))
}
