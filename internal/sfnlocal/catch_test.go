package sfnlocal

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// taskFailedCatcher is one activity task, bounded by TimeoutSeconds and
// HeartbeatSeconds, whose only Catch names States.TaskFailed.
func taskFailedCatcher(act, retry string) string {
	return sprintf(`{"StartAt":"Ask","States":{
		"Ask":{"Type":"Task","Resource":"%s","TimeoutSeconds":100,"HeartbeatSeconds":50%s,
			"Catch":[{"ErrorEquals":["States.TaskFailed"],"ResultPath":"$.err","Next":"Handled"}],"End":true},
		"Handled":{"Type":"Pass","End":true}}}`, act, retry)
}

// "States.TaskFailed: A Task state failed during the execution. When used in
// a retry or catch, States.TaskFailed acts as a wildcard that matches any
// known error name except for States.Timeout." (developer guide, "Error
// handling in Step Functions", Error names). An error a worker reports with
// SendTaskFailure is such an error: caught, with its own name and cause in
// the catcher's output. sfnlocal compared the names literally, so the catcher
// never fired.
func TestCatchTaskFailed_SendTaskFailure_Caught(t *testing.T) {
	e := newEnv(t, Options{})
	act := e.activity("approve")
	sm := e.machine("m", taskFailedCatcher(act, ""))
	exec := e.start(sm, "run", `{"who":"ann"}`)
	token, _ := e.poll(act)
	if err := e.fail(token, "Rejected", "not today"); err != nil {
		t.Fatal(err)
	}
	out := e.wantStatus(exec, types.ExecutionStatusSucceeded)
	jsonEq(t, aws.ToString(out.Output), `{"who":"ann","err":{"Error":"Rejected","Cause":"not today"}}`)
}

// The same wildcard in Retry: a worker's failure is retried with a new task.
func TestRetryTaskFailed_SendTaskFailure_Retried(t *testing.T) {
	e := newEnv(t, Options{})
	act := e.activity("approve")
	sm := e.machine("m", taskFailedCatcher(act, `,"Retry":[{"ErrorEquals":["States.TaskFailed"],"IntervalSeconds":1,"MaxAttempts":1}]`))
	exec := e.start(sm, "run", `{}`)
	token, _ := e.poll(act)
	if err := e.fail(token, "Flaky", ""); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	again, _ := e.poll(act)
	if err := e.succeed(again, `"ok"`); err != nil {
		t.Fatal(err)
	}
	out := e.wantStatus(exec, types.ExecutionStatusSucceeded)
	jsonEq(t, aws.ToString(out.Output), `"ok"`)
}

// What States.TaskFailed must not catch: a task's timeout, whether
// TimeoutSeconds or HeartbeatSeconds ran out (the guide's exception above;
// a heartbeat timeout is reported as States.Timeout).
func TestCatchTaskFailed_Timeouts_NotCaught(t *testing.T) {
	for name, wait := range map[string]time.Duration{"heartbeat": 50 * time.Second, "timeout": 100 * time.Second} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, Options{})
			act := e.activity("approve")
			sm := e.machine("m", taskFailedCatcher(act, ""))
			exec := e.start(sm, "run", `{}`)
			token, _ := e.poll(act)
			if name == "timeout" {
				// Heartbeats keep the task alive until TimeoutSeconds.
				for range 3 {
					e.clock.Advance(30 * time.Second)
					e.heartbeat(token)
				}
				wait = 10 * time.Second
			}
			e.clock.Advance(wait)
			out := e.wantStatus(exec, types.ExecutionStatusFailed)
			if aws.ToString(out.Error) != "States.Timeout" {
				t.Fatalf("error = %q, want States.Timeout", aws.ToString(out.Error))
			}
		})
	}
}
