package sfnlocal

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// maxConcurrencyPathMap is LocalStack's MAX_CONCURRENCY template
// (templates/scenarios/statemachines/max_concurrency_path.json5), with an
// activity task in the iterations so that what runs at once can be counted.
func maxConcurrencyPathMap(act string) string {
	return sprintf(`{"StartAt":"MapState","States":{"MapState":{"Type":"Map","ItemsPath":"$.Values",
		"MaxConcurrencyPath":"$.MaxConcurrencyValue",
		"ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"HandleItem","States":{"HandleItem":{"Type":"Task","Resource":"%s","End":true}}},
		"End":true}}}`, act)
}

// MaxConcurrencyPath reads the Map's concurrency from its input (developer
// guide, Map state, MaxConcurrencyPath), a number or a numeral string
// (test_assign_reference_variables.snapshot.json,
// test_reference_in_map_state[MAP_STATE_REFERENCE_IN_MAX_CONCURRENCY_PATH]:
// "1" runs); anything else fails as recorded in test_base_scenarios.snapshot.json,
// test_max_concurrency_path[{}] and [NoNumber]. sfnlocal ignored the field
// and ran every iteration at once.
func TestMapMaxConcurrencyPath(t *testing.T) {
	e := newEnv(t, Options{})
	act := e.activity("approve")
	sm := e.machine("m", maxConcurrencyPathMap(act))
	for i, value := range []string{`1`, `"1"`} {
		exec := e.start(sm, sprintf("run-%d", i), `{"MaxConcurrencyValue":`+value+`,"Values":["a","b"]}`)
		first, _ := e.poll(act)
		if n := e.queued(act); n != 0 {
			t.Fatalf("MaxConcurrencyPath %s: %d more tasks at once", value, n)
		}
		if err := e.succeed(first, `1`); err != nil {
			t.Fatal(err)
		}
		second, _ := e.poll(act)
		if err := e.succeed(second, `2`); err != nil {
			t.Fatal(err)
		}
		e.wantStatus(exec, types.ExecutionStatusSucceeded)
	}
	const at = "An error occurred while executing the state 'MapState' (entered at the event id #2). "
	for i, c := range []struct{ value, cause string }{
		{`{}`, at + `The MaxConcurrencyPath field refers to value "{}" which is not a valid integer: $.MaxConcurrencyValue`},
		{`"NoNumber"`, at + `The MaxConcurrencyPath field refers to value "NoNumber" which is not a valid integer: $.MaxConcurrencyValue`},
	} {
		exec := e.start(sm, sprintf("bad-%d", i), `{"MaxConcurrencyValue":`+c.value+`,"Values":["HelloWorld"]}`)
		e.wantFailed(exec, "States.Runtime", c.cause)
	}
	_, err := e.createMachine("both", `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":1,"MaxConcurrencyPath":"$.n",
		"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`, testRole)
	wantAPIError[*types.InvalidDefinition](t, err)
}
