package sfnlocal

import (
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// The workflow-variable recordings followed here are LocalStack's
// tests/aws/services/stepfunctions/v2/assign/test_assign_reference_variables.snapshot.json
// and test_assign_base.snapshot.json, recorded on AWS, whose definitions are
// under tests/aws/services/stepfunctions/templates/assign/statemachines/
// (the definitions below are those, or cut down from them).

// exitedVars returns the assignedVariables of the StateExited events of exec,
// by state name, failing if one lacks assignedVariablesDetails.
func (e *env) exitedVars(exec string) map[string]map[string]string {
	e.t.Helper()
	out := map[string]map[string]string{}
	for _, ev := range e.history(exec) {
		d := ev.StateExitedEventDetails
		if d == nil || d.AssignedVariables == nil {
			continue
		}
		if d.AssignedVariablesDetails == nil || d.AssignedVariablesDetails.Truncated {
			e.t.Fatalf("%s of %s: assignedVariablesDetails = %+v", ev.Type, aws.ToString(d.Name), d.AssignedVariablesDetails)
		}
		out[aws.ToString(d.Name)] = d.AssignedVariables
	}
	return out
}

func wantVars(t *testing.T, got map[string]string, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("assignedVariables = %v, want %v", got, want)
	}
	for k, v := range want {
		jsonEq(t, got[k], v)
	}
}

// test_reference_assign[BASE_REFERENCE_IN_PARAMETERS]: a later "$result" in
// Parameters reads the variable; a string without ".$" stays a string; the
// assignment shows in PassStateExited's assignedVariables (JSON texts).
// sfnlocal refused the definition (InvalidDefinition).
func TestVariables_ReferenceInParameters(t *testing.T) {
	e := newEnv(t, Options{})
	sm := e.machine("m", `{"StartAt":"State0","States":{
		"State0":{"Type":"Pass","Parameters":{"result":"$result"},"Assign":{"result":"foobar"},"Next":"State1"},
		"State1":{"Type":"Pass","ResultPath":"$.result","Parameters":{"result.$":"$result"},"End":true}}}`)
	exec := e.start(sm, "run", `{}`)
	out := e.wantStatus(exec, types.ExecutionStatusSucceeded)
	jsonEq(t, aws.ToString(out.Output), `{"result":{"result":"foobar"}}`)
	vars := e.exitedVars(exec)
	wantVars(t, vars["State0"], map[string]string{"result": `"foobar"`})
	if _, ok := vars["State1"]; ok {
		t.Fatalf("State1 assigned %v", vars["State1"])
	}
}

// test_state_assign_evaluation_order[BASE_EVALUATION_ORDER_PASS_STATE]: "$"
// in Assign is the Pass state's result; InputPath and OutputPath read
// variables as they were when the state began, its own Assign taking effect
// as it exits.
func TestVariables_EvaluationOrder(t *testing.T) {
	e := newEnv(t, Options{})
	sm := e.machine("m", `{"StartAt":"State0","States":{
		"State0":{"Type":"Pass","Result":{"theQuestion":"What is the answer?"},"Assign":{"question.$":"$.theQuestion","answer":42},"Next":"State1"},
		"State1":{"Type":"Pass","InputPath":"$answer","ResultPath":"$.theAnswer","OutputPath":"$answer","Assign":{"answer":"<omitted>"},"End":true}}}`)
	exec := e.start(sm, "run", `{}`)
	jsonEq(t, aws.ToString(e.wantStatus(exec, types.ExecutionStatusSucceeded).Output), `42`)
	vars := e.exitedVars(exec)
	wantVars(t, vars["State0"], map[string]string{"answer": `42`, "question": `"What is the answer?"`})
	wantVars(t, vars["State1"], map[string]string{"answer": `"<omitted>"`})
}

// test_base_cases[BASE_SCOPE_MAP]: ItemsPath "$items"; an iteration reads the
// outer variables; what it assigns stays in the iteration.
func TestVariables_MapScope(t *testing.T) {
	e := newEnv(t, Options{})
	sm := e.machine("m", `{"StartAt":"State0","States":{
		"State0":{"Type":"Pass","Assign":{"x":42,"items":[1,2,3]},"Next":"State1"},
		"State1":{"Type":"Map","ItemsPath":"$items","MaxConcurrency":1,"ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},
			"StartAt":"Inner","States":{"Inner":{"Type":"Pass","Assign":{"innerX.$":"$x"},"End":true}}},"Next":"State2"},
		"State2":{"Type":"Pass","Assign":{"final.$":"$x"},"Parameters":{"inner.$":"States.Array($x)"},"End":true}}}`)
	exec := e.start(sm, "run", `{"input_value":"input_value_literal"}`)
	jsonEq(t, aws.ToString(e.wantStatus(exec, types.ExecutionStatusSucceeded).Output), `{"inner":[42]}`)
	vars := e.exitedVars(exec)
	wantVars(t, vars["Inner"], map[string]string{"innerX": `42`})
	wantVars(t, vars["State2"], map[string]string{"final": `42`})
}

// test_assign_in_choice_state[INCORRECT] (a Choice going to its Default
// assigns the state's Assign, "$" its input) and the Choice rule's own
// Assign when the rule matches (test_assign_in_choice[CONDITION_TRUE]).
func TestVariables_Choice(t *testing.T) {
	e := newEnv(t, Options{})
	sm := e.machine("m", `{"StartAt":"CheckInputState","States":{
		"CheckInputState":{"Type":"Choice","Choices":[
			{"Variable":"$.input_value","IsPresent":false,"Assign":{"status":"UNKNOWN"},"Next":"FinalState"},
			{"Variable":"$.input_value","StringEquals":"42","Assign":{"status":"CORRECT"},"Next":"FinalState"}],
			"Assign":{"status":"INCORRECT","guess.$":"$.input_value"},"Default":"FinalState"},
		"FinalState":{"Type":"Pass","Parameters":{"result.$":"$status"},"End":true}}}`)
	i := 0
	for in, want := range map[string]struct{ out, vars string }{
		`{"input_value":"0"}`:  {`{"result":"INCORRECT"}`, `{"guess":"\"0\"","status":"\"INCORRECT\""}`},
		`{"input_value":"42"}`: {`{"result":"CORRECT"}`, `{"status":"\"CORRECT\""}`},
		`{}`:                   {`{"result":"UNKNOWN"}`, `{"status":"\"UNKNOWN\""}`},
	} {
		i++
		exec := e.start(sm, sprintf("run-%d", i), in)
		jsonEq(t, aws.ToString(e.wantStatus(exec, types.ExecutionStatusSucceeded).Output), want.out)
		var wantMap map[string]string
		mustUnmarshal(t, want.vars, &wantMap)
		wantVars(t, e.exitedVars(exec)["CheckInputState"], wantMap)
	}
}

// An activity Task: variables in Parameters and TimeoutSecondsPath
// (test_variables_in_lambda_task[BASE_ASSIGN_FROM_LAMBDA_TASK_RESULT], with
// an activity for the Lambda function), and "$" in the Task's Assign is the
// result the worker sent, before ResultSelector, ResultPath and OutputPath.
func TestVariables_Task(t *testing.T) {
	e := newEnv(t, Options{})
	act := e.activity("approve")
	sm := e.machine("m", sprintf(`{"StartAt":"Pass","States":{
		"Pass":{"Type":"Pass","Assign":{"who.$":"$.who","inputData":{"foo":"oof"},"timeout":300},"Next":"Task"},
		"Task":{"Type":"Task","Resource":"%s","TimeoutSecondsPath":"$timeout",
			"Parameters":{"Payload.$":"$inputData","Who.$":"$who"},
			"ResultSelector":{"picked.$":"$.Payload"},"Assign":{"result.$":"$.Payload"},"OutputPath":"$.picked","Next":"End"},
		"End":{"Type":"Pass","Assign":{"previousResult.$":"$result","timeout":150},"End":true}}}`, act))
	exec := e.start(sm, "run", `{"who":"ann"}`)
	token, input := e.poll(act)
	jsonEq(t, input, `{"Payload":{"foo":"oof"},"Who":"ann"}`)
	if err := e.succeed(token, `{"Payload":"HelloWorld!","Other":1}`); err != nil {
		t.Fatal(err)
	}
	jsonEq(t, aws.ToString(e.wantStatus(exec, types.ExecutionStatusSucceeded).Output), `"HelloWorld!"`)
	events := e.history(exec)
	for _, ev := range events {
		if ev.Type == types.HistoryEventTypeActivityScheduled && aws.ToInt64(ev.ActivityScheduledEventDetails.TimeoutInSeconds) != 300 {
			t.Fatalf("ActivityScheduled timeout = %v, want 300 from $timeout", ev.ActivityScheduledEventDetails.TimeoutInSeconds)
		}
	}
	vars := e.exitedVars(exec)
	wantVars(t, vars["Task"], map[string]string{"result": `"HelloWorld!"`})
	wantVars(t, vars["End"], map[string]string{"previousResult": `"HelloWorld!"`, "timeout": `150`})
}

// test_reference_assign[BASE_REFERENCE_IN_FAIL] and [BASE_REFERENCE_IN_WAIT],
// test_assign_in_wait_state: ErrorPath, CausePath, SecondsPath and
// TimestampPath read variables; a Wait state assigns.
func TestVariables_FailAndWait(t *testing.T) {
	e := newEnv(t, Options{})
	fail := e.machine("fail", `{"StartAt":"Pass","States":{
		"Pass":{"Type":"Pass","Assign":{"errorVar":"Exception","causeVar":"An Exception was encountered"},"Next":"Fail"},
		"Fail":{"Type":"Fail","CausePath":"$causeVar","ErrorPath":"$errorVar"}}}`)
	e.wantFailed(e.start(fail, "run", `{}`), "Exception", "An Exception was encountered")

	wait := e.machine("wait", `{"StartAt":"Start","States":{
		"Start":{"Type":"Pass","Assign":{"waitTime":10,"startAt":"2026-01-02T03:05:05Z"},"Next":"WaitSecondsState"},
		"WaitSecondsState":{"Type":"Wait","SecondsPath":"$waitTime","Next":"WaitUntilState"},
		"WaitUntilState":{"Type":"Wait","TimestampPath":"$startAt","Assign":{"foo":"oof"},"End":true}}}`)
	exec := e.start(wait, "run", `{}`)
	e.clock.Advance(10e9)
	e.wantStatus(exec, types.ExecutionStatusRunning)
	e.clock.Advance(50e9) // until 03:05:05
	e.wantStatus(exec, types.ExecutionStatusSucceeded)
	wantVars(t, e.exitedVars(exec)["WaitUntilState"], map[string]string{"foo": `"oof"`})
}

// A Catch assigns with "$" the error output (developer guide, "Passing data
// between states with variables": Catch blocks take Assign), and the state's
// own Assign is not applied when the state fails.
func TestVariables_CatchAssign(t *testing.T) {
	e := newEnv(t, Options{})
	act := e.activity("approve")
	sm := e.machine("m", sprintf(`{"StartAt":"Task","States":{
		"Task":{"Type":"Task","Resource":"%s","Assign":{"result":"SUCCESS"},
			"Catch":[{"ErrorEquals":["States.ALL"],"Assign":{"result.$":"$.Error"},"Next":"fallback"}],"End":true},
		"fallback":{"Type":"Pass","Parameters":{"r.$":"$result"},"End":true}}}`, act))
	exec := e.start(sm, "run", `{}`)
	token, _ := e.poll(act)
	if err := e.fail(token, "Rejected", "no"); err != nil {
		t.Fatal(err)
	}
	jsonEq(t, aws.ToString(e.wantStatus(exec, types.ExecutionStatusSucceeded).Output), `{"r":"Rejected"}`)
	wantVars(t, e.exitedVars(exec)["Task"], map[string]string{"result": `"Rejected"`})
}

// Variables are part of an execution's state: a restart while a task is out
// keeps them.
func TestVariables_SurviveRestart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state")
	e := newEnv(t, Options{StateFile: file})
	act := e.activity("approve")
	sm := e.machine("m", sprintf(`{"StartAt":"Set","States":{
		"Set":{"Type":"Pass","Assign":{"kept":{"n":1}},"Next":"Ask"},
		"Ask":{"Type":"Task","Resource":"%s","ResultPath":null,"Next":"Use"},
		"Use":{"Type":"Pass","Parameters":{"kept.$":"$kept.n"},"End":true}}}`, act))
	exec := e.start(sm, "run", `{}`)
	token, _ := e.poll(act)
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	again := newEnv(t, Options{StateFile: file})
	if err := again.succeed(token, `{}`); err != nil {
		t.Fatal(err)
	}
	jsonEq(t, aws.ToString(again.wantStatus(exec, types.ExecutionStatusSucceeded).Output), `{"kept":1}`)
}

// What AWS refuses: a variable name that is not an identifier, the
// reserved name "states", Assign where no variable can be assigned, and a
// ResultPath that names a variable.
func TestVariables_InvalidDefinition(t *testing.T) {
	e := newEnv(t, Options{})
	i := 0
	for name, def := range map[string]string{
		"name with dash":  `{"StartAt":"P","States":{"P":{"Type":"Pass","Assign":{"a-b":1},"End":true}}}`,
		"reserved states": `{"StartAt":"P","States":{"P":{"Type":"Pass","Assign":{"states":1},"End":true}}}`,
		"not an object":   `{"StartAt":"P","States":{"P":{"Type":"Pass","Assign":[1],"End":true}}}`,
		"on Succeed":      `{"StartAt":"P","States":{"P":{"Type":"Succeed","Assign":{"a":1}}}}`,
		"on Fail":         `{"StartAt":"P","States":{"P":{"Type":"Fail","Assign":{"a":1}}}}`,
		"bad reference":   `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"a.$":"$a b"},"End":true}}}`,
		"ResultPath var":  `{"StartAt":"P","States":{"P":{"Type":"Pass","ResultPath":"$a","End":true}}}`,
	} {
		i++
		t.Run(name, func(t *testing.T) {
			_, err := e.createMachine(sprintf("m%d", i), def, testRole)
			wantAPIError[*types.InvalidDefinition](t, err)
		})
	}
}
