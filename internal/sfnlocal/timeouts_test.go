package sfnlocal

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

func heartbeatTask(act, retry string) string {
	return sprintf(`{"StartAt":"Approve","States":{"Approve":{"Type":"Task","Resource":"%s","HeartbeatSeconds":10%s,"End":true}}}`, act, retry)
}

func TestHeartbeatTimeout_RetryHeartbeatTimeout_NewTokenOldTaskTimedOut(t *testing.T) {
	e := newEnv(t, Options{})
	act := e.activity("approve")
	sm := e.machine("m", heartbeatTask(act, `,"Retry":[{"ErrorEquals":["States.HeartbeatTimeout"],"IntervalSeconds":2,"MaxAttempts":1}]`))
	exec := e.start(sm, "run", `{}`)
	old, _ := e.poll(act)
	e.clock.Advance(9 * time.Second)
	if _, err := e.client.SendTaskHeartbeat(e.ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String(old)}); err != nil {
		t.Fatalf("SendTaskHeartbeat: %v", err)
	}
	e.clock.Advance(9 * time.Second) // 18s: the heartbeat at 9s moved the deadline to 19s
	e.wantStatus(exec, types.ExecutionStatusRunning)
	e.clock.Advance(time.Second) // heartbeat timeout, retry in 2s
	wantAPIError[*types.TaskTimedOut](t, e.succeed(old, `{}`))
	e.clock.Advance(2 * time.Second)
	fresh, _ := e.poll(act)
	if fresh == old {
		t.Fatal("the retry reused the old token")
	}
	if err := e.succeed(fresh, `{"ok":1}`); err != nil {
		t.Fatal(err)
	}
	e.wantStatus(exec, types.ExecutionStatusSucceeded)
	timedOut := false
	for _, ev := range e.history(exec) {
		if ev.Type == types.HistoryEventTypeActivityTimedOut {
			timedOut = aws.ToString(ev.ActivityTimedOutEventDetails.Error) == "States.Timeout"
		}
	}
	if !timedOut {
		t.Fatal("history lacks ActivityTimedOut with States.Timeout")
	}
}

func TestHeartbeatTimeout_NoRetry_ExecutionFailedStatesTimeout(t *testing.T) {
	e := newEnv(t, Options{})
	act := e.activity("approve")
	sm := e.machine("m", heartbeatTask(act, ""))
	exec := e.start(sm, "run", `{}`)
	token, _ := e.poll(act)
	e.clock.Advance(10 * time.Second)
	out := e.wantStatus(exec, types.ExecutionStatusFailed)
	if aws.ToString(out.Error) != "States.Timeout" {
		t.Fatalf("error = %q, want States.Timeout", aws.ToString(out.Error))
	}
	wantAPIError[*types.TaskTimedOut](t, e.succeed(token, `{}`))
}

func TestHeartbeatTimeout_RetryStatesTimeoutOnlyForTaskTimeout_CatchHeartbeat(t *testing.T) {
	e := newEnv(t, Options{})
	act := e.activity("approve")
	catch := `,"Catch":[{"ErrorEquals":["States.HeartbeatTimeout"],"ResultPath":"$.err","Next":"Late"}]`
	def := sprintf(`{"StartAt":"Approve","States":{"Approve":{"Type":"Task","Resource":"%s","HeartbeatSecondsPath":"$.hb"%s,"End":true},"Late":{"Type":"Pass","End":true}}}`, act, catch)
	sm := e.machine("m", def)
	exec := e.start(sm, "run", `{"hb":5}`)
	e.clock.Advance(5 * time.Second)
	out := e.wantStatus(exec, types.ExecutionStatusSucceeded)
	jsonEq(t, aws.ToString(out.Output), `{"hb":5,"err":{"Error":"States.Timeout","Cause":""}}`)
}

func TestTaskTimeoutSeconds_HeartbeatsDoNotExtend_ExecutionFailedStatesTimeout(t *testing.T) {
	e := newEnv(t, Options{})
	act := e.activity("approve")
	sm := e.machine("m", sprintf(`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"%s","TimeoutSeconds":30,"HeartbeatSeconds":20,"End":true}}}`, act))
	exec := e.start(sm, "run", `{}`)
	token, _ := e.poll(act)
	for _, step := range []time.Duration{15 * time.Second, 14 * time.Second} {
		e.clock.Advance(step)
		if _, err := e.client.SendTaskHeartbeat(e.ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String(token)}); err != nil {
			t.Fatalf("SendTaskHeartbeat: %v", err)
		}
	}
	e.clock.Advance(time.Second) // 30s: TimeoutSeconds, although the last heartbeat was 1s ago
	out := e.wantStatus(exec, types.ExecutionStatusFailed)
	if aws.ToString(out.Error) != "States.Timeout" {
		t.Fatalf("error = %q", aws.ToString(out.Error))
	}
	_, err := e.client.SendTaskHeartbeat(e.ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String(token)})
	wantAPIError[*types.TaskTimedOut](t, err)
}

func TestTaskTimeoutSecondsPath_Retry_ThenSucceeds(t *testing.T) {
	e := newEnv(t, Options{})
	act := e.activity("approve")
	sm := e.machine("m", sprintf(`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"%s","TimeoutSecondsPath":"$.t",
		"Retry":[{"ErrorEquals":["States.Timeout"],"IntervalSeconds":1,"BackoffRate":1,"MaxAttempts":2}],"End":true}}}`, act))
	exec := e.start(sm, "run", `{"t":60}`)
	e.clock.Advance(60 * time.Second)
	e.clock.Advance(time.Second)
	e.wantStatus(exec, types.ExecutionStatusRunning)
	token, input := e.poll(act)
	jsonEq(t, input, `{"t":60}`)
	if err := e.succeed(token, `"late"`); err != nil {
		t.Fatal(err)
	}
	e.wantStatus(exec, types.ExecutionStatusSucceeded)
}

func TestExecutionTimeoutSeconds_TimedOut(t *testing.T) {
	e := newEnv(t, Options{})
	act := e.activity("approve")
	sm := e.machine("m", sprintf(`{"TimeoutSeconds":100,"StartAt":"A","States":{"A":{"Type":"Task","Resource":"%s","End":true}}}`, act))
	exec := e.start(sm, "run", `{}`)
	token, _ := e.poll(act)
	e.clock.Advance(100 * time.Second)
	out := e.wantStatus(exec, types.ExecutionStatusTimedOut)
	if aws.ToString(out.Error) != "States.Timeout" {
		t.Fatalf("error = %q", aws.ToString(out.Error))
	}
	wantAPIError[*types.TaskTimedOut](t, e.succeed(token, `{}`))
	events := e.history(exec)
	if last := events[len(events)-1]; last.Type != types.HistoryEventTypeExecutionTimedOut {
		t.Fatalf("last event = %s", last.Type)
	}
}
