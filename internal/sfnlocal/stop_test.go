package sfnlocal

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// stop stops exec through the API and fails the test on any error.
func (e *env) stop(exec string) {
	e.t.Helper()
	if _, err := e.client.StopExecution(e.ctx, &sfn.StopExecutionInput{ExecutionArn: aws.String(exec), Error: aws.String("Deleted"), Cause: aws.String("approval request deleted")}); err != nil {
		e.t.Fatalf("StopExecution: %v", err)
	}
}

// wantNoTask asserts that a poll gets no task (with an already cancelled
// context it answers at once) and that none is left queued.
func (e *env) wantNoTask(activityArn string) {
	e.t.Helper()
	ctx, cancel := context.WithCancel(e.ctx)
	cancel()
	out, err := e.srv.getActivityTask(ctx, &getActivityTaskInput{ActivityArn: activityArn})
	if err != nil {
		e.t.Fatalf("GetActivityTask: %v", err)
	}
	if tok := out.(*getActivityTaskOutput).TaskToken; tok != "" {
		e.t.Fatalf("GetActivityTask handed out a task")
	}
	if n := e.queued(activityArn); n != 0 {
		e.t.Fatalf("%d tasks queued, want none", n)
	}
}

// StopExecution while inline Map iterations hold activity tasks, some
// iterations not started yet (MaxConcurrency, or past the 40 AWS runs at
// once): AWS stops the execution, ABORTED, ExecutionAborted last in its
// history, and the iterations' tokens answer TaskTimedOut. Sources: the API
// reference, StopExecution ("Stops an execution"; TaskTimedOut on
// SendTaskSuccess: "The task token has either expired or the task associated
// with the token has already been closed"), and LocalStack's recording
// tests/aws/services/stepfunctions/v2/test_sfn_api.snapshot.json,
// TestSnfApi::test_stop_execution (history ends with ExecutionAborted).
// Before the fix, the handler panicked on the iterations not started yet and
// the client got EOF.
func TestStopExecution_MapIterationsHoldingTasks_Aborted(t *testing.T) {
	for name, c := range map[string]struct {
		maxConcurrency, items, held int
	}{
		"MaxConcurrency 1 of 3": {1, 3, 1},
		"45 items, 40 at once":  {0, 45, 40},
		"all started":           {0, 3, 3},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, Options{})
			act := e.activity("approve")
			sm := e.machine("map", mapApproval(act, c.maxConcurrency))
			approvers := make([]string, c.items)
			for i := range approvers {
				approvers[i] = sprintf(`"p%d"`, i)
			}
			exec := e.start(sm, "run", `{"request":"r","approvers":[`+strings.Join(approvers, ",")+`]}`)
			tokens := make([]string, 0, c.held)
			for range c.held {
				token, _ := e.poll(act)
				tokens = append(tokens, token)
			}
			e.stop(exec)
			out := e.wantStatus(exec, types.ExecutionStatusAborted)
			if aws.ToString(out.Error) != "Deleted" || out.StopDate == nil {
				t.Fatalf("DescribeExecution = error %q stop %v", aws.ToString(out.Error), out.StopDate)
			}
			for _, token := range tokens {
				wantAPIError[*types.TaskTimedOut](t, e.succeed(token, `{}`))
			}
			e.wantNoTask(act)
			events := e.history(exec)
			if last := events[len(events)-1]; last.Type != types.HistoryEventTypeExecutionAborted {
				t.Fatalf("last event = %s, want ExecutionAborted", last.Type)
			}
			// Nothing runs on after the stop: no iteration starts later.
			e.clock.Advance(time.Hour)
			if n := len(e.history(exec)); n != len(events) {
				t.Fatalf("history grew from %d to %d events after the stop", len(events), n)
			}
		})
	}
}

// mapHeldByOne is a Map of three approvals, one at a time, with TimeoutSeconds
// on the machine and a sibling Parallel branch that fails when told to.
func mapHeldByOne(act string) string {
	return sprintf(`{"StartAt":"Both","TimeoutSeconds":60,"States":{"Both":{"Type":"Parallel","End":true,"Branches":[
		{"StartAt":"Each","States":{"Each":{"Type":"Map","ItemsPath":"$.approvers","MaxConcurrency":1,
			"ItemProcessor":{"StartAt":"Ask","States":{"Ask":{"Type":"Task","Resource":"%[1]s","End":true}}},"End":true}}},
		{"StartAt":"Gate","States":{"Gate":{"Type":"Task","Resource":"%[1]s","Parameters":{"gate":true},"End":true}}}]}}}`, act)
}

// The other ways an execution ends while Map iterations hold tasks and others
// have not started: the execution's TimeoutSeconds (ExecutionTimedOut,
// States.Timeout: developer guide, "Error handling in Step Functions",
// States.Timeout), and a failed sibling branch of a Parallel that cancels
// the Map (developer guide, Parallel state: "If any branch fails ... the
// entire Parallel state fails"). Each tore down the Map's iterations as
// StopExecution did, and panicked the same way.
func TestMapIterationsHoldingTasks_TimeoutOrFailedSibling_Ended(t *testing.T) {
	for name, c := range map[string]struct {
		end        func(e *env, gateToken string)
		wantStatus types.ExecutionStatus
		wantError  string
	}{
		"execution TimeoutSeconds": {
			end:        func(e *env, _ string) { e.clock.Advance(time.Minute) },
			wantStatus: types.ExecutionStatusTimedOut, wantError: "States.Timeout",
		},
		"sibling branch fails": {
			end: func(e *env, gate string) {
				if err := e.fail(gate, "Rejected", "no"); err != nil {
					e.t.Fatal(err)
				}
			},
			wantStatus: types.ExecutionStatusFailed, wantError: "Rejected",
		},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, Options{})
			act := e.activity("approve")
			sm := e.machine("m", mapHeldByOne(act))
			exec := e.start(sm, "run", `{"approvers":["a","b","c"]}`)
			var gate, held string
			for range 2 {
				token, input := e.poll(act)
				if input == `{"gate":true}` {
					gate = token
				} else {
					held = token
				}
			}
			c.end(e, gate)
			out := e.wantStatus(exec, c.wantStatus)
			if aws.ToString(out.Error) != c.wantError {
				t.Fatalf("error = %q, want %q", aws.ToString(out.Error), c.wantError)
			}
			wantAPIError[*types.TaskTimedOut](t, e.succeed(held, `{}`))
			e.wantNoTask(act)
		})
	}
}
