package sfnlocal

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// awsHistoryLimitCause is AWS's cause when an execution reaches the quota of
// 25,000 history events.
const awsHistoryLimitCause = "The execution reached the maximum number of history events (25000)."

// lastEvents reads the last n events of exec, newest first.
func (e *env) lastEvents(exec string, n int32) []types.HistoryEvent {
	e.t.Helper()
	out, err := e.client.GetExecutionHistory(e.ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(exec), ReverseOrder: true, MaxResults: n})
	if err != nil {
		e.t.Fatalf("GetExecutionHistory: %v", err)
	}
	return out.Events
}

// An execution that never ends by itself is ended by AWS at its 25,000th
// history event: that event is the ExecutionFailed, States.Runtime, chained
// to event 24,999, the last the machine produced. Recorded on AWS with a
// Choice looping forever (floci-io/floci issue #2734, "Where AWS's cut lands
// in the history": get-execution-history --reverse-order shows
// ExecutionFailed id 25000, previousEventId 24999, and this cause; the same
// cause is quoted in loads/ardere issue #86). The developer guide's quotas
// page gives the limit: "Maximum execution history size: 25,000 events".
// sfnlocal failed at event 25,002 (one state too late) or later when one
// step recorded several events.
func TestHistoryLimit_ExecutionFailedIsEvent25000(t *testing.T) {
	for name, def := range map[string]string{
		// Two events a turn: ExecutionStarted + 12,499 turns = 24,999.
		"Pass loop": `{"StartAt":"Loop","States":{"Loop":{"Type":"Pass","Next":"Loop"}}}`,
		// Choice loop, as recorded.
		"Choice loop": `{"StartAt":"Loop","States":{"Loop":{"Type":"Choice","Choices":[{"Variable":"$.spin","BooleanEquals":true,"Next":"Loop"}],"Default":"Done"},"Done":{"Type":"Succeed"}}}`,
		// Several events a step: a Map of three iterations a turn (13 events).
		"Map loop": `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","ResultPath":null,"Next":"M",
			"ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}}}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, Options{})
			sm := e.machine("m", def)
			exec := e.start(sm, "run", `{"spin":true,"items":[1,2,3]}`)
			e.wantFailed(exec, "States.Runtime", awsHistoryLimitCause)
			last := e.lastEvents(exec, 2)
			if f := last[0]; f.Type != types.HistoryEventTypeExecutionFailed || f.Id != 25000 || f.PreviousEventId != 24999 ||
				aws.ToString(f.ExecutionFailedEventDetails.Error) != "States.Runtime" || aws.ToString(f.ExecutionFailedEventDetails.Cause) != awsHistoryLimitCause {
				t.Fatalf("last event = %s id %d prev %d %+v", f.Type, f.Id, f.PreviousEventId, f.ExecutionFailedEventDetails)
			}
			if last[1].Id != 24999 {
				t.Fatalf("event before the last = %d", last[1].Id)
			}
		})
	}
}

// A worker polling a task scheduled at event 24,999 would make
// ActivityStarted event 25,000: the execution fails instead, with that event,
// and the worker gets no task.
func TestHistoryLimit_ActivityStartedWouldBeEvent25000(t *testing.T) {
	e := newEnv(t, Options{})
	act := e.activity("approve")
	sm := e.machine("m", sprintf(`{"StartAt":"P1","States":{
		"P1":{"Type":"Pass","Next":"P2"},"P2":{"Type":"Pass","Next":"P3"},"P3":{"Type":"Pass","Next":"Ask"},
		"Ask":{"Type":"Task","Resource":"%s","ResultPath":null,"Next":"Loop"},
		"Loop":{"Type":"Pass","Next":"Ask"}}}`, act))
	exec := e.start(sm, "run", `{}`)
	// ExecutionStarted and the three Pass states: 7 events. A turn of the
	// loop: TaskStateEntered, ActivityScheduled, ActivityStarted,
	// ActivitySucceeded, TaskStateExited, PassStateEntered, PassStateExited
	// (7). After 3,570 turns: 24,997 events; then TaskStateEntered (24,998)
	// and ActivityScheduled (24,999) are recorded, and the poll would record
	// ActivityStarted as event 25,000.
	for range 3570 {
		token, _ := e.poll(act)
		if err := e.succeed(token, `{}`); err != nil {
			t.Fatal(err)
		}
	}
	e.wantStatus(exec, types.ExecutionStatusRunning)
	e.wantNoTask(act)
	e.wantFailed(exec, "States.Runtime", awsHistoryLimitCause)
	last := e.lastEvents(exec, 2)
	if last[0].Id != 25000 || last[0].PreviousEventId != 24999 || last[1].Type != types.HistoryEventTypeActivityScheduled {
		t.Fatalf("last events = %s #%d (prev %d), %s #%d", last[0].Type, last[0].Id, last[0].PreviousEventId, last[1].Type, last[1].Id)
	}
}

// States.DataLimitExceeded's cause as AWS words it, recorded for a Pass
// state whose Result is over 256 KiB (LocalStack's
// tests/aws/services/stepfunctions/v2/error_handling/test_states_errors.snapshot.json,
// TestStatesErrors::test_start_large_input: "The state/task 'State_1'
// returned a result with a size exceeding the maximum number of bytes service
// limit.", ExecutionFailed chained to the PassStateEntered, no PassStateExited).
func TestDataLimitExceeded_AWSCause(t *testing.T) {
	e := newEnv(t, Options{})
	sm := e.machine("m", `{"StartAt":"State_1","States":{"State_1":{"Type":"Pass","Result":{"Arg1":"`+repeat("a", 257*1024)+`"},"End":true}}}`)
	exec := e.start(sm, "run", `{}`)
	e.wantFailed(exec, "States.DataLimitExceeded", "The state/task 'State_1' returned a result with a size exceeding the maximum number of bytes service limit.")
	if got := eventTypes(e.history(exec)); len(got) != 3 || got[2] != "ExecutionFailed" {
		t.Fatalf("history = %v", got)
	}
}

// A Wait state's SecondsPath that is negative, not a whole number, or not
// there, as AWS words it (LocalStack's
// tests/aws/services/stepfunctions/v2/base/test_wait.snapshot.json,
// TestSfnWait::test_base_wait_seconds_path[-1], [1.5] and [-1.5];
// test_logs.snapshot.json, test_base[wait_seconds_path.json5_ALL_False] for a
// path that selects nothing).
func TestWaitSecondsPath_BadValue_AWSCause(t *testing.T) {
	e := newEnv(t, Options{})
	sm := e.machine("m", `{"StartAt":"WaitState","States":{"WaitState":{"Type":"Wait","SecondsPath":"$.input.waitSeconds","End":true}}}`)
	const at = "An error occurred while executing the state 'WaitState' (entered at the event id #2). "
	for i, c := range []struct{ input, cause string }{
		{`{"input":{"waitSeconds":-1}}`, at + "The SecondsPath parameter references a negative value: $.input.waitSeconds == -1"},
		{`{"input":{"waitSeconds":1.5}}`, at + "The SecondsPath parameter cannot be parsed as a long value: $.input.waitSeconds == 1.5"},
		{`{"input":{"waitSeconds":-1.5}}`, at + "The SecondsPath parameter cannot be parsed as a long value: $.input.waitSeconds == -1.5"},
		{`{"input":{}}`, at + "The SecondsPath parameter does not reference an input value: $.input.waitSeconds"},
	} {
		e.wantFailed(e.start(sm, sprintf("run-%d", i), c.input), "States.Runtime", c.cause)
	}
	e.wantStatus(e.start(sm, "zero", `{"input":{"waitSeconds":0}}`), types.ExecutionStatusSucceeded)
}
