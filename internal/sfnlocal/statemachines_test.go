package sfnlocal

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

const passMachine = `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`

func (e *env) createMachine(name, definition, role string) (*sfn.CreateStateMachineOutput, error) {
	return e.client.CreateStateMachine(e.ctx, &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(definition), RoleArn: aws.String(role)})
}

func TestCreateStateMachine_InvalidDefinition_InvalidDefinition(t *testing.T) {
	e := newEnv(t, Options{})
	for name, def := range map[string]string{
		"not json":       `{`,
		"no States":      `{"StartAt":"A"}`,
		"bad type":       `{"StartAt":"A","States":{"A":{"Type":"Nope","End":true}}}`,
		"missing next":   `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}}`,
		"no end":         `{"StartAt":"A","States":{"A":{"Type":"Pass"}}}`,
		"empty branches": `{"StartAt":"A","States":{"A":{"Type":"Parallel","Branches":[],"End":true}}}`,
		"bad path":       `{"StartAt":"A","States":{"A":{"Type":"Pass","InputPath":"nope","End":true}}}`,
		"bad template":   `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"x.$":"nope"},"End":true}}}`,
		"bad retrier":    `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:a","Retry":[{"ErrorEquals":[]}],"End":true}}}`,
		"bad resource":   `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::sns","End":true}}}`,
		"bad choice":     `{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Variable":"$.x","Next":"A"}]}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := e.createMachine("m", def, testRole)
			got := apiError[*types.InvalidDefinition](t, err)
			if !strings.HasPrefix(got.ErrorMessage(), "Invalid State Machine Definition: '") {
				t.Fatalf("message = %q", got.ErrorMessage())
			}
		})
	}
}

func TestCreateStateMachine_MissingStates_AWSMessage(t *testing.T) {
	e := newEnv(t, Options{})
	_, err := e.createMachine("m", `{"StartAt":"A"}`, testRole)
	got := apiError[*types.InvalidDefinition](t, err)
	if want := "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are required: [States] at /'"; got.ErrorMessage() != want {
		t.Fatalf("message = %q, want %q", got.ErrorMessage(), want)
	}
}

func TestCreateStateMachine_SameDefinition_Idempotent(t *testing.T) {
	e := newEnv(t, Options{})
	first, err := e.createMachine("m", passMachine, testRole)
	if err != nil {
		t.Fatal(err)
	}
	second, err := e.createMachine("m", passMachine, testRole)
	if err != nil {
		t.Fatalf("second CreateStateMachine: %v", err)
	}
	if aws.ToString(second.StateMachineArn) != aws.ToString(first.StateMachineArn) || !second.CreationDate.Equal(*first.CreationDate) {
		t.Fatalf("second = %+v, want %+v", second, first)
	}
}

func TestCreateStateMachine_DifferentDefinitionOrRole_StateMachineAlreadyExists(t *testing.T) {
	e := newEnv(t, Options{})
	e.machine("m", passMachine)
	_, err := e.createMachine("m", `{"StartAt":"Q","States":{"Q":{"Type":"Pass","End":true}}}`, testRole)
	wantAPIError[*types.StateMachineAlreadyExists](t, err)
	_, err = e.createMachine("m", passMachine, testRole+"-other")
	wantAPIError[*types.StateMachineAlreadyExists](t, err)
}

func TestDescribeStateMachine_Unknown_StateMachineDoesNotExist(t *testing.T) {
	e := newEnv(t, Options{})
	_, err := e.client.DescribeStateMachine(e.ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String("arn:aws:states:us-east-1:123456789012:stateMachine:nope")})
	wantAPIError[*types.StateMachineDoesNotExist](t, err)
	_, err = e.client.DescribeStateMachine(e.ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String("not_a_valid_arn")})
	wantAPIError[*types.InvalidArn](t, err)
}

func TestDescribeStateMachine_UpdateStateMachine_ListStateMachines_DeleteStateMachine(t *testing.T) {
	e := newEnv(t, Options{})
	arn := e.machine("m", passMachine)
	other := `{"StartAt":"Q","States":{"Q":{"Type":"Pass","End":true}}}`
	if _, err := e.client.UpdateStateMachine(e.ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn), Definition: aws.String(other)}); err != nil {
		t.Fatalf("UpdateStateMachine: %v", err)
	}
	_, err := e.client.UpdateStateMachine(e.ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn)})
	wantAPIError[*types.MissingRequiredParameter](t, err)
	d, err := e.client.DescribeStateMachine(e.ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("DescribeStateMachine: %v", err)
	}
	if aws.ToString(d.Definition) != other || aws.ToString(d.RoleArn) != testRole || d.Status != types.StateMachineStatusActive || d.Type != types.StateMachineTypeStandard {
		t.Fatalf("DescribeStateMachine = %+v", d)
	}
	l, err := e.client.ListStateMachines(e.ctx, &sfn.ListStateMachinesInput{})
	if err != nil || len(l.StateMachines) != 1 || aws.ToString(l.StateMachines[0].Name) != "m" {
		t.Fatalf("ListStateMachines = %+v, %v", l, err)
	}
	if _, err := e.client.DeleteStateMachine(e.ctx, &sfn.DeleteStateMachineInput{StateMachineArn: aws.String(arn)}); err != nil {
		t.Fatalf("DeleteStateMachine: %v", err)
	}
	_, err = e.client.DescribeStateMachine(e.ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
	wantAPIError[*types.StateMachineDoesNotExist](t, err)
}
