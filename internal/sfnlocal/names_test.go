package sfnlocal

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// nameCalls are the calls that take a name of the model's Name shape, each
// creating something named name.
func (e *env) nameCalls() map[string]func(name string) error {
	return map[string]func(string) error{
		"CreateActivity": func(name string) error {
			_, err := e.client.CreateActivity(e.ctx, &sfn.CreateActivityInput{Name: aws.String(name)})
			return err
		},
		"CreateStateMachine": func(name string) error {
			_, err := e.createMachine(name, passMachine, testRole)
			return err
		},
		"StartExecution": func(name string) error {
			sm := e.machine("names", passMachine)
			_, err := e.startErr(sm, name, `{}`)
			return err
		},
	}
}

// A name's length is a constraint of the API's model (API reference,
// CreateActivity, CreateStateMachine, StartExecution: name "Length
// Constraints: Minimum length of 1. Maximum length of 80."), which AWS answers
// with a ValidationException ("1 validation error detected: Value '...' at
// 'name' failed to satisfy constraint: Member must have length less than or
// equal to 80", as recorded for CreateStateMachineAlias in LocalStack's
// tests/aws/services/stepfunctions/v2/test_sfn_api_aliasing.snapshot.json,
// test_error_create_alias_invalid_name). A forbidden character is InvalidName
// (test_sfn_api_activities.snapshot.json, test_create_activity_invalid_name).
// sfnlocal answered InvalidName for 81 characters, and took an empty
// execution name for none (it generated one).
func TestNames_LengthValidationException_CharactersInvalidName(t *testing.T) {
	for _, op := range []string{"CreateActivity", "CreateStateMachine", "StartExecution"} {
		t.Run(op, func(t *testing.T) {
			e := newEnv(t, Options{})
			call := e.nameCalls()[op]
			if err := call(strings.Repeat("a", 80)); err != nil {
				t.Fatalf("80 characters: %v", err)
			}
			if err := call(strings.Repeat("é", 80)); err != nil {
				t.Fatalf("80 characters, 160 bytes: %v", err)
			}
			err := call(strings.Repeat("b", 81))
			wantErrorCode(t, err, "ValidationException")
			if !strings.Contains(err.Error(), "at 'name' failed to satisfy constraint: Member must have length less than or equal to 80") {
				t.Fatalf("message = %v", err)
			}
			wantErrorCode(t, call(""), "ValidationException")
			for _, bad := range []string{"a b", "a<b", "a/b", "a:b", "\x00a", "a\x7f", strings.Repeat("c", 79) + "*"} {
				wantAPIError[*types.InvalidName](t, call(bad))
			}
		})
	}
}
