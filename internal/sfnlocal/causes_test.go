package sfnlocal

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// The causes of the runtime errors of paths, recorded on AWS in LocalStack's
// tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.snapshot.json
// (the definitions are those of templates/scenarios/statemachines/
// invalid_jsonpath_in_*.json5). sfnlocal gave causes of its own ("the
// JSONPath ... could not be found in the input"), without the state.
func TestPathCauses_AWSWording(t *testing.T) {
	e := newEnv(t, Options{})
	const at = "An error occurred while executing the state '%s' (entered at the event id #2). "
	for i, c := range []struct{ def, input, cause string }{
		{ // test_invalid_jsonpath[ST.INVALID_JSONPATH_IN_INPUTPATH]
			`{"StartAt":"pass","States":{"pass":{"Type":"Pass","InputPath":"$.NoSuchInputPath","End":true}}}`, `{"int-literal":0}`,
			sprintf(at, "pass") + "Invalid path '$.NoSuchInputPath' : No results for path: $['NoSuchInputPath']",
		},
		{ // [ST.INVALID_JSONPATH_IN_OUTPUTPATH]
			`{"StartAt":"pass","States":{"pass":{"Type":"Pass","OutputPath":"$.NoSuchOutputPath","End":true}}}`, `{"int-literal":0}`,
			sprintf(at, "pass") + "Invalid path '$.NoSuchOutputPath' : No results for path: $['NoSuchOutputPath']",
		},
		{ // [INVALID_JSONPATH_IN_STRING_EXPR_JSONPATH]
			`{"StartAt":"pass","States":{"pass":{"Type":"Pass","Parameters":{"value.$":"$.no_such_jsonpath"},"End":true}}}`, `{"int-literal":0}`,
			sprintf(at, "pass") + `The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not be found in the input '{"int-literal":0}'`,
		},
		{ // [INVALID_JSONPATH_IN_STRING_EXPR_CONTEXTPATH]
			`{"StartAt":"pass","States":{"pass":{"Type":"Pass","Parameters":{"value.$":"$$.Execution.Input.no_such_jsonpath"},"End":true}}}`, `{"int-literal":0}`,
			sprintf(at, "pass") + `The JSONPath '$$.Execution.Input.no_such_jsonpath' specified for the field 'value.$' could not be found in the input '{"int-literal":0}'`,
		},
		{ // [ST.INVALID_JSONPATH_IN_TIMEOUTSECONDSPATH]
			`{"StartAt":"task","States":{"task":{"Type":"Task","TimeoutSecondsPath":"$.NoSuchTimeoutSecondsPath","Resource":"arn:aws:states:::aws-sdk:s3:listBuckets","Parameters":{},"End":true}}}`, `{}`,
			sprintf(at, "task") + "Invalid path '$.NoSuchTimeoutSecondsPath' : No results for path: $['NoSuchTimeoutSecondsPath']",
		},
		{ // the wording AWS was recorded with for a JSONata Map's Items
			// (test_map_state_items_input_types[number]); sfnlocal keeps
			// States.Runtime as the error of a JSONPath ItemsPath.
			`{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`, `{"items":1}`,
			sprintf(at, "M") + "Map state input must be an array but was: 1",
		},
	} {
		sm := e.machine(sprintf("m%d", i), c.def)
		e.wantFailed(e.start(sm, "run", c.input), "States.Runtime", c.cause)
	}
}

// test_catch_states_runtime: an OutputPath whose first selection is missing
// ("Missing property in path $['no']"), caught by a Catch that lists
// States.Runtime (the recording's Task calls Lambda; an activity here).
func TestPathCauses_MissingProperty_CaughtByStatesRuntime(t *testing.T) {
	e := newEnv(t, Options{})
	act := e.activity("approve")
	sm := e.machine("m", sprintf(`{"StartAt":"RaiseRuntime","States":{
		"RaiseRuntime":{"Type":"Task","Resource":"%s","OutputPath":"$.no.such.result.path",
			"Catch":[{"ErrorEquals":["States.Runtime"],"Next":"CaughtRuntime"}],"Next":"Final"},
		"CaughtRuntime":{"Type":"Pass","End":true},"Final":{"Type":"Pass","End":true}}}`, act))
	exec := e.start(sm, "run", `{}`)
	token, _ := e.poll(act)
	if err := e.succeed(token, `{}`); err != nil {
		t.Fatal(err)
	}
	out := e.wantStatus(exec, types.ExecutionStatusSucceeded)
	jsonEq(t, aws.ToString(out.Output), `{"Error":"States.Runtime","Cause":"An error occurred while executing the state 'RaiseRuntime' (entered at the event id #2). Invalid path '$.no.such.result.path' : Missing property in path $['no']"}`)
}

// A Wait past 2^31-1 seconds: "Wait state delay is too long." (LocalStack's
// tests/aws/services/stepfunctions/v2/base/test_wait.snapshot.json,
// test_timestamp_too_far_in_future_boundary: 24,855 days from now waits,
// 24,856 fail). A SecondsPath that large overflowed sfnlocal's duration and
// ended the Wait at once.
func TestWait_DelayTooLong(t *testing.T) {
	e := newEnv(t, Options{})
	ts := e.machine("ts", `{"StartAt":"State_1","States":{"State_1":{"Type":"Wait","TimestampPath":"$.start_at","End":true}}}`)
	tooLong := "An error occurred while executing the state 'State_1' (entered at the event id #2). Wait state delay is too long."
	e.wantFailed(e.start(ts, "far", sprintf(`{"start_at":"%s"}`, t0.Add(24856*24*time.Hour).Format("2006-01-02T15:04:05.000Z"))), "States.Runtime", tooLong)
	e.wantStatus(e.start(ts, "near", sprintf(`{"start_at":"%s"}`, t0.Add(24855*24*time.Hour).Format("2006-01-02T15:04:05.000Z"))), types.ExecutionStatusRunning)
	secs := e.machine("secs", `{"StartAt":"State_1","States":{"State_1":{"Type":"Wait","SecondsPath":"$.s","End":true}}}`)
	e.wantFailed(e.start(secs, "huge", `{"s":9223372036}`), "States.Runtime", tooLong)
	e.wantStatus(e.start(secs, "max", `{"s":2147483647}`), types.ExecutionStatusRunning)
}
