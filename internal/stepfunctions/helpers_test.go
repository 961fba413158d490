package stepfunctions

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go"
)

// awsJSONFunc answers one awsJson1.0 call: op is the operation (from
// X-Amz-Target), body the decoded request. It returns the HTTP status and the
// response document; an error document is {"__type": code, "message": ...}.
type awsJSONFunc func(op string, body map[string]any) (int, any)

// serveAWSJSON is a minimal Step Functions endpoint speaking awsJson1.0.
func serveAWSJSON(t testing.TB, fn awsJSONFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AWSStepFunctions.")
		raw, _ := io.ReadAll(r.Body)
		var body map[string]any
		_ = json.Unmarshal(raw, &body)
		status, resp := fn(op, body)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(resp)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// awsError is an awsJson1.0 error document.
func awsError(code, message string) map[string]string {
	return map[string]string{"__type": code, "message": message}
}

// newTestClient is a real *sfn.Client against endpoint, with static
// credentials and no SDK retries (tests see every answer).
func newTestClient(endpoint string) *sfn.Client {
	return sfn.New(sfn.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")),
		Retryer:      aws.NopRetryer{},
	})
}

// errorWithCode is an SDK-shaped API error with code.
func errorWithCode(code string) error {
	return &smithy.GenericAPIError{Code: code, Message: "test"}
}
