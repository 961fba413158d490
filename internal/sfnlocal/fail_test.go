package sfnlocal

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// wantFailed asserts exec failed with exactly this error and cause.
func (e *env) wantFailed(exec, wantError, wantCause string) {
	e.t.Helper()
	out := e.wantStatus(exec, types.ExecutionStatusFailed)
	if aws.ToString(out.Error) != wantError || aws.ToString(out.Cause) != wantCause {
		e.t.Fatalf("error = %q, cause = %q\nwant error %q, cause %q", aws.ToString(out.Error), aws.ToString(out.Cause), wantError, wantCause)
	}
}

// A Fail state's ErrorPath and CausePath take an intrinsic function as well
// as a reference path (developer guide, Fail state: "ErrorPath ... CausePath
// ... using a reference path" or an intrinsic function such as
// States.Format). Recorded on AWS: LocalStack's
// tests/aws/services/stepfunctions/v2/base/test_base.snapshot.json,
// TestSnfBase::test_state_fail_intrinsic, whose definition is
// templates/base/statemachines/raise_failure_path_intrinsic.json5 (the same
// two expressions as here) and whose execution fails with the formatted
// cause. sfnlocal refused the definition (InvalidDefinition).
func TestFail_ErrorPathCausePathIntrinsic_Accepted(t *testing.T) {
	e := newEnv(t, Options{})
	sm := e.machine("m", `{"StartAt":"FailState","States":{"FailState":{"Type":"Fail",
		"ErrorPath":"States.Format('{}', $.Error)",
		"CausePath":"States.Format('This is a custom error message for {}, caused by {}.', $.Error, $.Cause)"}}}`)
	exec := e.start(sm, "run", `{"Error":"error string","Cause":"cause string"}`)
	e.wantFailed(exec, "error string", "This is a custom error message for error string, caused by cause string.")
	want := []string{"ExecutionStarted", "FailStateEntered", "ExecutionFailed"}
	if got := eventTypes(e.history(exec)); !slices.Equal(got, want) {
		t.Fatalf("history = %v, want %v", got, want)
	}
}

// The other intrinsics that give a string, and the context object, in
// CausePath; an intrinsic that is not one (a bad call) stays InvalidDefinition.
func TestFail_CausePathOtherIntrinsics(t *testing.T) {
	e := newEnv(t, Options{})
	for i, c := range []struct{ cause, want string }{
		{"States.JsonToString($.detail)", `{"n":1}`},
		{"States.ArrayGetItem($.list, 1)", "b"},
		{"States.Base64Encode($.Cause)", "Y2F1c2U="},
		{"$$.State.Name", "F"},
	} {
		sm := e.machine(sprintf("m%d", i), sprintf(`{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E","CausePath":"%s"}}}`, c.cause))
		e.wantFailed(e.start(sm, "run", `{"Cause":"cause","detail":{"n":1},"list":["a","b"]}`), "E", c.want)
	}
	_, err := e.createMachine("bad", `{"StartAt":"F","States":{"F":{"Type":"Fail","CausePath":"States.Format("}}}`, testRole)
	wantAPIError[*types.InvalidDefinition](t, err)
}

// A path that selects nothing fails the execution with States.Runtime and
// AWS's cause, recorded in LocalStack's
// tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.snapshot.json
// (TestBaseScenarios::test_invalid_jsonpath[INVALID_JSONPATH_IN_ERRORPATH]
// and [ST.INVALID_JSONPATH_IN_CAUSEPATH], ExecutionFailed: "An error occurred while executing the state 'fail'
// (entered at the event id #4). The JSONPath '$.ErrorX' specified for the
// field 'ErrorPath' could not be found in the input '<json-input>'").
func TestFail_PathSelectsNothing_RuntimeWithAWSCause(t *testing.T) {
	e := newEnv(t, Options{})
	for field, path := range map[string]string{"ErrorPath": "$.ErrorX", "CausePath": "$.NoSuchCausePath"} {
		sm := e.machine("m"+field, sprintf(`{"StartAt":"pass","States":{"pass":{"Type":"Pass","Next":"fail"},
			"fail":{"Type":"Fail","ErrorPath":"$.Error","%s":"%s"}}}`, field, path))
		// Keys in order: sfnlocal writes JSON objects with sorted keys.
		exec := e.start(sm, "run", `{"Cause":"C","Error":"E"}`)
		e.wantFailed(exec, "States.Runtime", sprintf("An error occurred while executing the state 'fail' (entered at the event id #4). The JSONPath '%s' specified for the field '%s' could not be found in the input '{\"Cause\":\"C\",\"Error\":\"E\"}'", path, field))
	}
}
