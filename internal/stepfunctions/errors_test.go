package stepfunctions

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

func TestClassifyHTTPAnswers(t *testing.T) {
	tests := []struct {
		status   int
		body     any
		class    Class
		code     string
		throttle bool
	}{
		{400, awsError("TaskTimedOut", "Task Timed Out"), Gone, "TaskTimedOut", false},
		{400, awsError("TaskDoesNotExist", "no such task"), Gone, "TaskDoesNotExist", false},
		{400, awsError("ExecutionDoesNotExist", "no such execution"), Gone, "ExecutionDoesNotExist", false},
		{400, awsError("ExecutionAlreadyExists", "exists"), Exists, "ExecutionAlreadyExists", false},
		{400, awsError("InvalidToken", "bad token"), Gone, "InvalidToken", false}, // never issued, or not any more: one view for heartbeats and delivery
		{400, awsError("InvalidArn", "bad arn"), Terminal, "InvalidArn", false},
		{400, awsError("ActivityDoesNotExist", "no activity"), Terminal, "ActivityDoesNotExist", false},
		{400, awsError("StateMachineDoesNotExist", "no machine"), Terminal, "StateMachineDoesNotExist", false},
		{400, awsError("ValidationException", "invalid"), Terminal, "ValidationException", false},
		{400, awsError("AccessDeniedException", "denied"), Denied, "AccessDeniedException", false},
		{400, awsError("ExpiredTokenException", "expired"), Denied, "ExpiredTokenException", false},
		{400, awsError("com.amazonaws.swf.base.model#TaskTimedOut", "namespaced"), Gone, "TaskTimedOut", false},
		{400, awsError("ThrottlingException", "Rate exceeded"), Retryable, "ThrottlingException", true},
		{400, awsError("KmsThrottlingException", "kms"), Retryable, "KmsThrottlingException", true},
		{429, map[string]string{}, Retryable, "", true},
		{400, awsError("ActivityWorkerLimitExceeded", "too many pollers"), Retryable, "ActivityWorkerLimitExceeded", false},
		{500, awsError("InternalFailure", "oops"), Retryable, "InternalFailure", false},
		{503, map[string]string{}, Retryable, "", false},
		{502, awsError("SomethingNew", "gateway"), Retryable, "SomethingNew", false},
		{400, awsError("SomethingNew", "??"), Unknown, "SomethingNew", false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d %v", tt.status, tt.body), func(t *testing.T) {
			srv := serveAWSJSON(t, func(string, map[string]any) (int, any) { return tt.status, tt.body })
			_, err := newTestClient(srv.URL).SendTaskHeartbeat(t.Context(), &sfn.SendTaskHeartbeatInput{TaskToken: aws.String("tok")})
			if err == nil {
				t.Fatal("want an error")
			}
			if got := Classify(err); got != tt.class {
				t.Errorf("Classify = %v, want %v (err: %v)", got, tt.class, err)
			}
			if got := Code(err); got != tt.code && tt.code != "" {
				t.Errorf("Code = %q, want %q", got, tt.code)
			}
			if got := IsThrottle(err); got != tt.throttle {
				t.Errorf("IsThrottle = %v, want %v", got, tt.throttle)
			}
		})
	}
}

func TestClassifyTransportFailures(t *testing.T) {
	t.Run("connection refused", func(t *testing.T) {
		srv := serveAWSJSON(t, nil)
		srv.Close()
		_, err := newTestClient(srv.URL).DescribeExecution(t.Context(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String("arn")})
		if got := Classify(err); got != Retryable {
			t.Errorf("Classify = %v, want Retryable (err: %v)", got, err)
		}
	})
	t.Run("deadline inside the SDK", func(t *testing.T) {
		release := make(chan struct{})
		srv := serveAWSJSON(t, func(string, map[string]any) (int, any) { <-release; return 200, map[string]any{} })
		defer close(release)
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
		defer cancel()
		_, err := newTestClient(srv.URL).GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: aws.String("arn")})
		if got := Classify(err); got != Retryable {
			t.Errorf("Classify = %v, want Retryable (err: %v)", got, err)
		}
	})
}

func TestClassifyValues(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		class Class
		code  string
	}{
		{"nil", nil, Unknown, ""},
		{"wrapped typed TaskTimedOut", fmt.Errorf("delivering: %w", &types.TaskTimedOut{}), Gone, "TaskTimedOut"},
		{"typed ExecutionAlreadyExists", &types.ExecutionAlreadyExists{}, Exists, "ExecutionAlreadyExists"},
		{"typed InvalidExecutionInput", &types.InvalidExecutionInput{}, Terminal, "InvalidExecutionInput"},
		{"unlisted modeled client error", &types.MissingRequiredParameter{ErrorCodeOverride: aws.String("BrandNew")}, Terminal, "BrandNew"},
		{"SDK retry quota", &ratelimit.QuotaExceededError{Available: 0, Requested: 5}, Retryable, ""},
		{"deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), Retryable, ""},
		{"plain", errors.New("something"), Unknown, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(tt.err); got != tt.class {
				t.Errorf("Classify = %v, want %v", got, tt.class)
			}
			if got := Code(tt.err); got != tt.code {
				t.Errorf("Code = %q, want %q", got, tt.code)
			}
		})
	}
}

// RefusesInput tells a refusal of what a call carried from one of the operator's setup: both
// are Terminal, but only the second is an administrator's to fix.
func TestRefusesInput(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"InvalidExecutionInput", fmt.Errorf("starting: %w", &types.InvalidExecutionInput{}), true},
		{"InvalidName", &types.InvalidName{}, true},
		{"ValidationException", errorWithCode("ValidationException"), true},
		{"StateMachineDoesNotExist", &types.StateMachineDoesNotExist{}, false},
		{"AccessDeniedException", errorWithCode("AccessDeniedException"), false},
		{"ThrottlingException", errorWithCode("ThrottlingException"), false},
		{"plain", errors.New("InvalidExecutionInput"), false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RefusesInput(tt.err); got != tt.want {
				t.Errorf("RefusesInput = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestClassString(t *testing.T) {
	for c, want := range map[Class]string{Unknown: "Unknown", Retryable: "Retryable", Terminal: "Terminal", Gone: "Gone", Exists: "Exists"} {
		if c.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(c), c.String(), want)
		}
	}
}

// Describe gives the same words for the same failure, whatever request ID each answer had.
func TestDescribeIsStableAcrossAttempts(t *testing.T) {
	srv := serveAWSJSON(t, func(string, map[string]any) (int, any) { return 400, awsError("ThrottlingException", "Rate exceeded") })
	c := newTestClient(srv.URL)
	const attempts = 2
	texts := make([]string, 0, attempts)
	for range attempts {
		_, err := c.DescribeExecution(t.Context(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String("arn")})
		texts = append(texts, Describe(fmt.Errorf("describing: %w", err)))
		if !IsCallError(err) {
			t.Fatalf("IsCallError(%v) = false", err)
		}
	}
	if texts[0] != "DescribeExecution: ThrottlingException: Rate exceeded" || texts[0] != texts[1] {
		t.Fatalf("Describe = %q", texts)
	}
	if IsCallError(errors.New("conflict")) {
		t.Fatal("a caller's own error is not a call error")
	}
}
