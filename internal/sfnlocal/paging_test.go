package sfnlocal

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// The page tokens have the model's own limits: ListExecutions takes up to
// 3,096 characters, the other List calls and GetExecutionHistory 1,024
// (recorded in LocalStack's test_sfn_api.snapshot.json:
// TestSnfApi::test_list_executions_pagination, "Member must have length less
// than or equal to 3096"; test_list_sms_pagination, "... 1024"). A token of
// an allowed length that the endpoint never issued is InvalidToken.
// sfnlocal refused ListExecutions tokens over 1,024 characters.
func TestPageTokens_LengthLimits(t *testing.T) {
	e := newEnv(t, Options{})
	sm := e.machine("m", passMachine)
	listExecutions := func(token string) error {
		_, err := e.client.ListExecutions(e.ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm), NextToken: aws.String(token)})
		return err
	}
	wantAPIError[*types.InvalidToken](t, listExecutions(strings.Repeat("a", 3096)))
	err := listExecutions(strings.Repeat("a", 3097))
	wantErrorCode(t, err, "ValidationException")
	if !strings.Contains(err.Error(), "Member must have length less than or equal to 3096") {
		t.Fatalf("message = %v", err)
	}
	_, err = e.client.ListStateMachines(e.ctx, &sfn.ListStateMachinesInput{NextToken: aws.String(strings.Repeat("a", 1025))})
	wantErrorCode(t, err, "ValidationException")
	_, err = e.client.ListStateMachines(e.ctx, &sfn.ListStateMachinesInput{NextToken: aws.String(strings.Repeat("a", 1024))})
	wantAPIError[*types.InvalidToken](t, err)
}
