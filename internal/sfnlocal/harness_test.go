package sfnlocal

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

const testRole = "arn:aws:iam::123456789012:role/sfnlocal-test"

// env is one server on httptest (127.0.0.1) and an SDK client talking to it.
type env struct {
	t      testing.TB
	srv    *Server
	clock  *FakeClock
	client *sfn.Client
	ctx    context.Context
}

func newEnv(t testing.TB, opts Options) *env {
	t.Helper()
	clock := NewFakeClock(t0)
	if opts.Clock == nil {
		opts.Clock = clock
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ts.Close()
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return &env{t: t, srv: srv, clock: clock, client: newClient(ts.URL), ctx: context.Background()}
}

func newClient(url string) *sfn.Client {
	return sfn.New(sfn.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
	})
}

func (e *env) activity(name string) string {
	e.t.Helper()
	out, err := e.client.CreateActivity(e.ctx, &sfn.CreateActivityInput{Name: aws.String(name)})
	if err != nil {
		e.t.Fatalf("CreateActivity: %v", err)
	}
	return aws.ToString(out.ActivityArn)
}

func (e *env) machine(name, definition string) string {
	e.t.Helper()
	out, err := e.client.CreateStateMachine(e.ctx, &sfn.CreateStateMachineInput{
		Name: aws.String(name), Definition: aws.String(definition), RoleArn: aws.String(testRole),
	})
	if err != nil {
		e.t.Fatalf("CreateStateMachine: %v", err)
	}
	return aws.ToString(out.StateMachineArn)
}

func (e *env) start(machineArn, name, input string) string {
	e.t.Helper()
	out, err := e.client.StartExecution(e.ctx, &sfn.StartExecutionInput{
		StateMachineArn: aws.String(machineArn), Name: aws.String(name), Input: aws.String(input),
	})
	if err != nil {
		e.t.Fatalf("StartExecution: %v", err)
	}
	return aws.ToString(out.ExecutionArn)
}

// poll fetches one task, failing when none is queued.
func (e *env) poll(activityArn string) (token, input string) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
	defer cancel()
	out, err := e.client.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: aws.String(activityArn), WorkerName: aws.String("worker")})
	if err != nil {
		e.t.Fatalf("GetActivityTask: %v", err)
	}
	if aws.ToString(out.TaskToken) == "" {
		e.t.Fatalf("GetActivityTask: no task")
	}
	return aws.ToString(out.TaskToken), aws.ToString(out.Input)
}

func (e *env) succeed(token, output string) error {
	_, err := e.client.SendTaskSuccess(e.ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(output)})
	return err
}

func (e *env) fail(token, name, cause string) error {
	_, err := e.client.SendTaskFailure(e.ctx, &sfn.SendTaskFailureInput{TaskToken: aws.String(token), Error: aws.String(name), Cause: aws.String(cause)})
	return err
}

func (e *env) heartbeat(token string) {
	e.t.Helper()
	if _, err := e.client.SendTaskHeartbeat(e.ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String(token)}); err != nil {
		e.t.Fatalf("SendTaskHeartbeat: %v", err)
	}
}

func (e *env) describe(execArn string) *sfn.DescribeExecutionOutput {
	e.t.Helper()
	out, err := e.client.DescribeExecution(e.ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(execArn)})
	if err != nil {
		e.t.Fatalf("DescribeExecution: %v", err)
	}
	return out
}

func (e *env) wantStatus(execArn string, want types.ExecutionStatus) *sfn.DescribeExecutionOutput {
	e.t.Helper()
	out := e.describe(execArn)
	if out.Status != want {
		e.t.Fatalf("status = %s (error %q cause %q), want %s", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause), want)
	}
	return out
}

func (e *env) history(execArn string) []types.HistoryEvent {
	e.t.Helper()
	var events []types.HistoryEvent
	p := sfn.NewGetExecutionHistoryPaginator(e.client, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(execArn)})
	for p.HasMorePages() {
		out, err := p.NextPage(e.ctx)
		if err != nil {
			e.t.Fatalf("GetExecutionHistory: %v", err)
		}
		events = append(events, out.Events...)
	}
	return events
}

func eventTypes(events []types.HistoryEvent) []string {
	out := make([]string, len(events))
	for i, ev := range events {
		out[i] = string(ev.Type)
	}
	return out
}

// wantAPIError asserts err is the SDK's typed error T.
func wantAPIError[T error](t testing.TB, err error) {
	t.Helper()
	if _, ok := errors.AsType[T](err); !ok {
		var target T
		t.Fatalf("error = %v (%T), want %T", err, err, target)
	}
}

// apiError asserts err is the SDK's typed error T and returns it.
func apiError[T error](t testing.TB, err error) T {
	t.Helper()
	var target T
	if !errors.As(err, &target) {
		t.Fatalf("error = %v (%T), want %T", err, err, target)
	}
	return target
}

// jsonEq compares two JSON texts semantically.
func jsonEq(t testing.TB, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("got invalid JSON %q: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want invalid JSON %q: %v", want, err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if string(gb) != string(wb) {
		t.Fatalf("JSON = %s, want %s", gb, wb)
	}
}

// eventually polls cond until it holds or a deadline passes; used only to
// wait for goroutines (a long poll being registered), never for time.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitingPollers counts the long polls parked on an activity.
func (e *env) waitingPollers(activityArn string) int {
	e.srv.mu.Lock()
	defer e.srv.mu.Unlock()
	if a := e.srv.activities[activityArn]; a != nil {
		return len(a.pollers)
	}
	return 0
}

// wantErrorCode asserts err carries the AWS error code (for errors the SDK
// does not model for the operation, e.g. ValidationException).
func wantErrorCode(t testing.TB, err error, code string) {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != code {
		t.Fatalf("error = %v, want code %s", err, code)
	}
}
