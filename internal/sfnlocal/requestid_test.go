package sfnlocal

import (
	"errors"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

var requestID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// AWS answers every call with a request ID of its own (x-amzn-RequestId, a UUID), errors
// included, and the SDK puts it in the error's text: a client that copies error text into a
// status sees it change on every call.
func TestEveryAnswerCarriesItsOwnRequestID(t *testing.T) {
	e := newEnv(t, Options{})
	act := e.activity("approve")
	out, err := e.client.DescribeActivity(e.ctx, &sfn.DescribeActivityInput{ActivityArn: aws.String(act)})
	if err != nil {
		t.Fatal(err)
	}
	first, ok := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	if !ok || !requestID.MatchString(first) {
		t.Fatalf("a success carries request ID %q", first)
	}

	noRetry := func(o *sfn.Options) { o.RetryMaxAttempts = 1 }
	e.srv.InjectFault("DescribeActivity", FaultRule{Kind: FaultThrottle})
	ids := make([]string, 0, 2)
	for range 2 {
		_, err := e.client.DescribeActivity(e.ctx, &sfn.DescribeActivityInput{ActivityArn: aws.String(act)}, noRetry)
		var re *awshttp.ResponseError
		if !errors.As(err, &re) || !requestID.MatchString(re.RequestID) || !regexp.MustCompile(`RequestID: `+re.RequestID).MatchString(err.Error()) {
			t.Fatalf("an error carries no request ID in its text: %v", err)
		}
		ids = append(ids, re.RequestID)
	}
	if ids[0] == ids[1] || ids[0] == first {
		t.Fatalf("request IDs repeat: %v and %s", ids, first)
	}
}
