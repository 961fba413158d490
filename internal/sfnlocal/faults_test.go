package sfnlocal

import (
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

func TestSetFault_ThrottlingThenServiceUnavailable_ThenCleared(t *testing.T) {
	e := newEnv(t, Options{})
	act := e.activity("approve")
	noRetry := func(o *sfn.Options) { o.RetryMaxAttempts = 1 }
	describe := func() error {
		_, err := e.client.DescribeActivity(e.ctx, &sfn.DescribeActivityInput{ActivityArn: aws.String(act)}, noRetry)
		return err
	}
	e.srv.SetFault("DescribeActivity", func(context.Context) *APIError {
		return NewAPIError(http.StatusBadRequest, "ThrottlingException", "Rate exceeded")
	})
	wantErrorCode(t, describe(), "ThrottlingException")
	e.srv.SetFault("DescribeActivity", func(context.Context) *APIError {
		return NewAPIError(http.StatusServiceUnavailable, "ServiceUnavailable", "try later")
	})
	wantErrorCode(t, describe(), "ServiceUnavailable")
	e.srv.SetFault("DescribeActivity", nil)
	if err := describe(); err != nil {
		t.Fatalf("DescribeActivity after clearing the fault: %v", err)
	}
}
