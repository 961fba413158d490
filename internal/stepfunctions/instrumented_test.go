package stepfunctions

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestWrapPassesThroughAndCounts(t *testing.T) {
	srv := serveAWSJSON(t, func(op string, body map[string]any) (int, any) {
		if op != OpGetActivityTask || body["activityArn"] != "arn:act" {
			return 400, awsError("ValidationException", "unexpected "+op)
		}
		return 200, map[string]any{"taskToken": "tok-1", "input": `{"task":"approval"}`}
	})
	api := Wrap(newTestClient(srv.URL), NewLimiter(DefaultLimits()))

	successes := testutil.ToFloat64(requestsTotal.WithLabelValues(OpGetActivityTask, outcomeSuccess))
	out, err := api.GetActivityTask(t.Context(), &sfn.GetActivityTaskInput{ActivityArn: aws.String("arn:act")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.TaskToken) != "tok-1" || aws.ToString(out.Input) != `{"task":"approval"}` {
		t.Errorf("output = %+v", out)
	}
	if got := testutil.ToFloat64(requestsTotal.WithLabelValues(OpGetActivityTask, outcomeSuccess)) - successes; got != 1 {
		t.Errorf("success counter moved by %v, want 1", got)
	}

	failures := testutil.ToFloat64(requestsTotal.WithLabelValues(OpStartExecution, "ValidationException"))
	if _, err := api.StartExecution(t.Context(), &sfn.StartExecutionInput{StateMachineArn: aws.String("m")}); Classify(err) != Terminal {
		t.Errorf("StartExecution err = %v, want Terminal", err)
	}
	if got := testutil.ToFloat64(requestsTotal.WithLabelValues(OpStartExecution, "ValidationException")) - failures; got != 1 {
		t.Errorf("ValidationException counter moved by %v, want 1", got)
	}
}

func TestWrapDrainsOnThrottle(t *testing.T) {
	var calls atomic.Int32
	srv := serveAWSJSON(t, func(string, map[string]any) (int, any) {
		if calls.Add(1) == 1 {
			return 400, awsError("ThrottlingException", "Rate exceeded")
		}
		return 200, map[string]any{}
	})
	lim := NewLimiter(Limits{SendTask: Bucket{Burst: 50, RefillPerSecond: 20}})
	api := Wrap(newTestClient(srv.URL), lim)

	_, err := api.SendTaskSuccess(t.Context(), &sfn.SendTaskSuccessInput{TaskToken: aws.String("t"), Output: aws.String("{}")})
	if !IsThrottle(err) {
		t.Fatalf("first call: err = %v, want a throttle", err)
	}
	if tokens := lim.buckets[OpSendTaskHeartbeat].Tokens(); tokens >= 1 {
		t.Fatalf("shared SendTask bucket holds %v tokens after a throttle, want < 1", tokens)
	}
	start := time.Now()
	if _, err := api.SendTaskHeartbeat(t.Context(), &sfn.SendTaskHeartbeatInput{TaskToken: aws.String("t")}); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 30*time.Millisecond {
		t.Errorf("the call after a throttle went out after %v, want it held about one refill (50ms)", took)
	}
}

// nopAPI answers SendTaskHeartbeat in memory, to measure Wrap's own cost.
type nopAPI struct{ API }

func (nopAPI) SendTaskHeartbeat(context.Context, *sfn.SendTaskHeartbeatInput, ...func(*sfn.Options)) (*sfn.SendTaskHeartbeatOutput, error) {
	return &sfn.SendTaskHeartbeatOutput{}, nil
}

func BenchmarkWrappedCall(b *testing.B) {
	in := &sfn.SendTaskHeartbeatInput{TaskToken: aws.String("t")}
	for name, api := range map[string]API{
		"direct":          nopAPI{},
		"wrapped":         Wrap(nopAPI{}, NewLimiter(DefaultLimits().Scale(1e6))),
		"wrapped-nolimit": Wrap(nopAPI{}, nil),
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := api.SendTaskHeartbeat(b.Context(), in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// No call waits forever on an endpoint that does not answer.
func TestWrappedCallHasADeadline(t *testing.T) {
	release := make(chan struct{})
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer hung.Close()
	defer close(release) // before Close, which waits for the handler
	api := Wrap(newTestClient(hung.URL), nil, WithCallTimeouts(200*time.Millisecond, 300*time.Millisecond))
	start := time.Now()
	_, err := api.SendTaskHeartbeat(t.Context(), &sfn.SendTaskHeartbeatInput{TaskToken: aws.String("tok")})
	if err == nil || Classify(err) != Retryable {
		t.Fatalf("err = %v (%s), want a retryable deadline", err, Classify(err))
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("the call took %s with a 200ms deadline", took)
	}
}
