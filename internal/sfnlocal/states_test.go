package sfnlocal

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

func TestWait_TimestampPath_WaitsUntilTimestamp(t *testing.T) {
	e := newEnv(t, Options{})
	sm := e.machine("m", `{"StartAt":"W","States":{"W":{"Type":"Wait","TimestampPath":"$.until","Next":"Done"},"Done":{"Type":"Succeed"}}}`)
	until := t0.Add(time.Hour).Format(time.RFC3339)
	exec := e.start(sm, "run", `{"until":"`+until+`"}`)
	e.clock.Advance(time.Hour - time.Second)
	e.wantStatus(exec, types.ExecutionStatusRunning)
	e.clock.Advance(time.Second)
	out := e.wantStatus(exec, types.ExecutionStatusSucceeded)
	jsonEq(t, aws.ToString(out.Output), `{"until":"`+until+`"}`)
}

func TestWait_SecondsAndSecondsPath_AndPastTimestamp(t *testing.T) {
	e := newEnv(t, Options{})
	sm := e.machine("m", `{"StartAt":"A","States":{
		"A":{"Type":"Wait","Seconds":5,"Next":"B"},
		"B":{"Type":"Wait","SecondsPath":"$.s","Next":"C"},
		"C":{"Type":"Wait","Timestamp":"2000-01-01T00:00:00Z","End":true}}}`)
	exec := e.start(sm, "run", `{"s":7}`)
	e.clock.Advance(5 * time.Second)
	e.wantStatus(exec, types.ExecutionStatusRunning)
	e.clock.Advance(7 * time.Second)
	e.wantStatus(exec, types.ExecutionStatusSucceeded)
}

func TestWait_TimestampPathNotTimestamp_ExecutionFailedRuntime(t *testing.T) {
	e := newEnv(t, Options{})
	sm := e.machine("m", `{"StartAt":"W","States":{"W":{"Type":"Wait","TimestampPath":"$.until","End":true}}}`)
	out := e.wantStatus(e.start(sm, "run", `{"until":"tomorrow"}`), types.ExecutionStatusFailed)
	if aws.ToString(out.Error) != "States.Runtime" {
		t.Fatalf("error = %q", aws.ToString(out.Error))
	}
}

const choiceMachine = `{"StartAt":"C","States":{
	"C":{"Type":"Choice","Choices":[
		{"And":[{"Variable":"$.decision","IsPresent":true},{"Variable":"$.decision","StringEquals":"approve"}],"Next":"Yes"},
		{"And":[{"Variable":"$.n","IsPresent":true},{"Variable":"$.n","NumericGreaterThan":10}],"Next":"Big"}],
		%s},
	"Yes":{"Type":"Pass","Result":"approved","End":true},
	"Big":{"Type":"Pass","Result":"big","End":true},
	"No":{"Type":"Pass","Result":"default","End":true}}}`

func TestChoice_RulesAndDefault(t *testing.T) {
	e := newEnv(t, Options{})
	sm := e.machine("m", sprintf(choiceMachine, `"Default":"No"`))
	for name, c := range map[string]struct{ in, out string }{
		"a": {`{"decision":"approve"}`, `"approved"`},
		"b": {`{"n":11}`, `"big"`},
		"c": {`{"n":3}`, `"default"`},
	} {
		out := e.wantStatus(e.start(sm, name, c.in), types.ExecutionStatusSucceeded)
		jsonEq(t, aws.ToString(out.Output), c.out)
	}
}

// AWS fails a Choice state without Default that matches nothing with
// States.Runtime ("Failed to transition out of the state"), not
// States.NoChoiceMatched; see noTransitionCause.
func TestChoice_NoMatchNoDefault_StatesRuntime(t *testing.T) {
	e := newEnv(t, Options{})
	sm := e.machine("m", sprintf(choiceMachine, `"Comment":"no default"`))
	out := e.wantStatus(e.start(sm, "run", `{}`), types.ExecutionStatusFailed)
	if aws.ToString(out.Error) != "States.Runtime" || aws.ToString(out.Cause) != noTransitionCause {
		t.Fatalf("error = %q, cause = %q", aws.ToString(out.Error), aws.ToString(out.Cause))
	}
}

// A Variable that selects nothing fails the execution with States.Runtime
// even when a Default exists ("If the state input doesn't contain the $.type
// field, the execution fails and an error is displayed in the execution
// history.", https://docs.aws.amazon.com/step-functions/latest/dg/amazon-states-language-choice-state.html);
// IsPresent is the way to test for presence.
func TestChoice_MissingVariable_StatesRuntime(t *testing.T) {
	e := newEnv(t, Options{})
	sm := e.machine("m", `{"StartAt":"C","States":{
	"C":{"Type":"Choice","Choices":[{"Variable":"$.type","StringEquals":"Private","Next":"Done"}],"Default":"Done"},
	"Done":{"Type":"Succeed"}}}`)
	out := e.wantStatus(e.start(sm, "run", `{"value":22}`), types.ExecutionStatusFailed)
	want := "Invalid path '$.type': The choice state's condition path references an invalid value."
	if aws.ToString(out.Error) != "States.Runtime" || aws.ToString(out.Cause) != want {
		t.Fatalf("error = %q, cause = %q", aws.ToString(out.Error), aws.ToString(out.Cause))
	}
}

func TestTask_CatchWithResultPath_KeepsInputAndRoutes(t *testing.T) {
	e := newEnv(t, Options{})
	act := e.activity("approve")
	sm := e.machine("m", sprintf(`{"StartAt":"A","States":{
		"A":{"Type":"Task","Resource":"%s","Catch":[{"ErrorEquals":["Rejected"],"ResultPath":"$.error","Next":"Handle"}],"End":true},
		"Handle":{"Type":"Pass","End":true}}}`, act))
	exec := e.start(sm, "run", `{"id":7}`)
	token, _ := e.poll(act)
	if err := e.fail(token, "Rejected", "nope"); err != nil {
		t.Fatal(err)
	}
	out := e.wantStatus(exec, types.ExecutionStatusSucceeded)
	jsonEq(t, aws.ToString(out.Output), `{"id":7,"error":{"Error":"Rejected","Cause":"nope"}}`)
}

func TestTask_InputPathParametersResultSelectorResultPathOutputPath(t *testing.T) {
	e := newEnv(t, Options{})
	act := e.activity("approve")
	sm := e.machine("m", sprintf(`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"%s",
		"InputPath":"$.req","Parameters":{"who.$":"$.who","exec.$":"$$.Execution.Name","state.$":"$$.State.Name","sm.$":"$$.StateMachine.Name","orig.$":"$$.Execution.Input.req.who"},
		"ResultSelector":{"ok.$":"$.approved"},"ResultPath":"$.res","OutputPath":"$.res","End":true}}}`, act))
	exec := e.start(sm, "run", `{"req":{"who":"ann"}}`)
	token, input := e.poll(act)
	jsonEq(t, input, `{"who":"ann","exec":"run","state":"A","sm":"m","orig":"ann"}`)
	if err := e.succeed(token, `{"approved":true,"noise":1}`); err != nil {
		t.Fatal(err)
	}
	out := e.wantStatus(exec, types.ExecutionStatusSucceeded)
	jsonEq(t, aws.ToString(out.Output), `{"ok":true}`)
}

func TestTask_ResultPathNull_DiscardsResult(t *testing.T) {
	e := newEnv(t, Options{})
	act := e.activity("approve")
	sm := e.machine("m", sprintf(`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"%s","ResultPath":null,"End":true}}}`, act))
	exec := e.start(sm, "run", `{"keep":true}`)
	token, _ := e.poll(act)
	if err := e.succeed(token, `{"dropped":1}`); err != nil {
		t.Fatal(err)
	}
	jsonEq(t, aws.ToString(e.wantStatus(exec, types.ExecutionStatusSucceeded).Output), `{"keep":true}`)
}

func TestTask_ResultOver256KiB_StatesDataLimitExceeded(t *testing.T) {
	e := newEnv(t, Options{})
	act := e.activity("approve")
	sm := e.machine("m", sprintf(`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"%s","ResultPath":"$.r","End":true}}}`, act))
	exec := e.start(sm, "run", `{"pad":"`+repeat("x", 200*1024)+`"}`)
	token, _ := e.poll(act)
	if err := e.succeed(token, `"`+repeat("y", 100*1024)+`"`); err != nil {
		t.Fatal(err)
	}
	out := e.wantStatus(exec, types.ExecutionStatusFailed)
	if aws.ToString(out.Error) != "States.DataLimitExceeded" {
		t.Fatalf("error = %q", aws.ToString(out.Error))
	}
}

func TestTask_UnknownActivity_ExecutionFailedRuntime(t *testing.T) {
	e := newEnv(t, Options{})
	sm := e.machine("m", sprintf(approvalTask, "arn:aws:states:us-east-1:123456789012:activity:gone"))
	out := e.wantStatus(e.start(sm, "run", `{}`), types.ExecutionStatusFailed)
	if aws.ToString(out.Error) != "States.Runtime" {
		t.Fatalf("error = %q", aws.ToString(out.Error))
	}
}

func TestPassAndFail_ResultParametersErrorPath(t *testing.T) {
	e := newEnv(t, Options{})
	sm := e.machine("m", `{"StartAt":"P","States":{
		"P":{"Type":"Pass","Parameters":{"e.$":"$.code","c.$":"States.Format('bad {}', $.code)"},"ResultPath":"$.p","Next":"F"},
		"F":{"Type":"Fail","ErrorPath":"$.p.e","CausePath":"$.p.c"}}}`)
	out := e.wantStatus(e.start(sm, "run", `{"code":"E42"}`), types.ExecutionStatusFailed)
	if aws.ToString(out.Error) != "E42" || aws.ToString(out.Cause) != "bad E42" {
		t.Fatalf("error %q cause %q", aws.ToString(out.Error), aws.ToString(out.Cause))
	}
}
