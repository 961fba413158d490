package sfnlocal

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// JSONata is refused (it has an issue of its own), whether the whole
// machine or a single state asks for it: sfnlocal ran a state with
// "QueryLanguage": "JSONata" as JSONPath, ignoring the field.
func TestQueryLanguageJSONata_RefusedAlsoPerState(t *testing.T) {
	e := newEnv(t, Options{})
	for i, def := range []string{
		`{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`,
		`{"StartAt":"P","States":{"P":{"Type":"Pass","QueryLanguage":"JSONata","Output":"{% $states.input %}","End":true}}}`,
	} {
		_, err := e.createMachine(sprintf("m%d", i), def, testRole)
		got := apiError[*types.InvalidDefinition](t, err)
		if !strings.Contains(got.ErrorMessage(), "JSONata") {
			t.Fatalf("message = %q", got.ErrorMessage())
		}
	}
	e.machine("jsonpath", `{"StartAt":"P","States":{"P":{"Type":"Pass","QueryLanguage":"JSONPath","End":true}}}`)
}

// An empty definition object lacks both fields, listed as AWS lists them
// (LocalStack's test_sfn_api_validation.snapshot.json,
// test_validate_state_machine_definition_not_a_definition[EMPTY_DICT]:
// "These fields are required: [States, StartAt]").
func TestCreateStateMachine_EmptyObject_RequiredFieldsInAWSOrder(t *testing.T) {
	e := newEnv(t, Options{})
	_, err := e.createMachine("m", `{}`, testRole)
	got := apiError[*types.InvalidDefinition](t, err)
	if want := "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are required: [States, StartAt] at /'"; got.ErrorMessage() != want {
		t.Fatalf("message = %q, want %q", got.ErrorMessage(), want)
	}
}
