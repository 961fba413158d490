package stepfunctions

import (
	"context"
	"flag"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/go-logr/logr"
	"github.com/tollgate-dev/tollgate/internal/sfnlocal"
	clocktesting "k8s.io/utils/clock/testing"
)

// runPoller starts p and returns a stop function that cancels it and fails the
// test unless Start returns promptly.
func runPoller(t *testing.T, p *Poller) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- p.Start(ctx) }()
	return func() {
		t.Helper()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Start returned %v", err)
			}
		case <-time.After(2 * time.Second):
			t.Fatal("Poller did not stop within 2s of cancel")
		}
	}
}

func TestPollerDeliversTasks(t *testing.T) {
	l := newLocal(t)
	tasks := make(chan Task, 10)
	p := &Poller{API: l.api, ActivityARN: l.activity, WorkerName: "tollgate-0", Workers: 2,
		Handler: HandlerFunc(func(_ context.Context, task Task) { tasks <- task })}
	stop := runPoller(t, p)

	want := map[string]bool{}
	for i := range 3 {
		input := fmt.Sprintf(`{"approver":"a%d"}`, i)
		want[input] = true
		l.start(t, fmt.Sprintf("exec-%d", i), input)
	}
	for range 3 {
		select {
		case task := <-tasks:
			if task.Token == "" || !want[string(task.Input)] {
				t.Fatalf("unexpected task %q (input %s)", task.Token, task.Input)
			}
			delete(want, string(task.Input))
			if _, err := l.api.SendTaskSuccess(t.Context(), &sfn.SendTaskSuccessInput{
				TaskToken: aws.String(task.Token), Output: aws.String("{}"),
			}); err != nil {
				t.Fatalf("SendTaskSuccess: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("tasks never delivered: %v", want)
		}
	}
	if err := p.Healthy(nil); err != nil {
		t.Errorf("Healthy = %v", err)
	}
	// The workers are parked in long polls now: cancel must cut them short.
	stop()
}

func TestPollerHealthAndBackoff(t *testing.T) {
	l := newLocal(t)
	l.srv.InjectFault(OpGetActivityTask, sfnlocal.FaultRule{Kind: sfnlocal.FaultInternal})
	clk := clocktesting.NewFakeClock(time.Now())
	p := &Poller{API: l.api, ActivityARN: l.activity, Workers: 1, Clock: clk, Log: logr.Discard(),
		Handler: HandlerFunc(func(context.Context, Task) {})}
	stop := runPoller(t, p)
	defer stop()

	// Polls fail with 500s: the worker backs off on the fake clock.

	waitFor(t, "a backoff timer", clk.HasWaiters)
	if err := p.Healthy(nil); err != nil {
		t.Fatalf("Healthy right after the first failure = %v, want nil", err)
	}
	clk.Step(DefaultUnhealthyAfter + time.Second)
	waitFor(t, "the next backoff timer", clk.HasWaiters)
	if err := p.Healthy(nil); err == nil || Classify(err) != Retryable {
		t.Fatalf("Healthy after failing for %v = %v, want a Retryable error", DefaultUnhealthyAfter, err)
	}

	// Recovery: the next poll parks until a task comes, and succeeds.
	l.srv.ClearFaults(OpGetActivityTask)
	clk.Step(DefaultBackoff.Max)
	l.start(t, "recovered", "{}")
	waitFor(t, "healthy again", func() bool { return p.Healthy(nil) == nil })
}

func TestPollerStartRejectsMissingFields(t *testing.T) {
	h := HandlerFunc(func(context.Context, Task) {})
	for name, p := range map[string]*Poller{
		"no API":      {ActivityARN: "arn", Handler: h},
		"no activity": {API: nopAPI{}, Handler: h},
		"no handler":  {API: nopAPI{}, ActivityARN: "arn"},
	} {
		if err := p.Start(t.Context()); err == nil {
			t.Errorf("%s: Start = nil, want an error", name)
		}
	}
}

func TestPollerFlagsAndLeadership(t *testing.T) {
	var p Poller
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	p.BindFlags(fs)
	if p.Workers != DefaultPollers {
		t.Errorf("default --activity-pollers = %d, want %d", p.Workers, DefaultPollers)
	}
	if err := fs.Parse([]string{"--activity-pollers=7"}); err != nil || p.Workers != 7 {
		t.Errorf("--activity-pollers=7: Workers = %d, err %v", p.Workers, err)
	}
	if !p.NeedLeaderElection() {
		t.Error("the poller must run on the leader only")
	}
}

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Min: 100 * time.Millisecond, Max: time.Second, Terminal: time.Minute}
	tests := []struct {
		failures int
		class    Class
		ceiling  time.Duration
	}{
		{1, Retryable, 100 * time.Millisecond},
		{2, Retryable, 200 * time.Millisecond},
		{4, Unknown, 800 * time.Millisecond},
		{5, Retryable, time.Second},
		{100, Retryable, time.Second},
		{1, Terminal, time.Minute},
		{9, Terminal, time.Minute},
	}
	for _, tt := range tests {
		for range 20 {
			if d := b.Delay(tt.failures, tt.class); d < tt.ceiling/2 || d > tt.ceiling {
				t.Errorf("Delay(%d, %v) = %v, want within [%v, %v]", tt.failures, tt.class, d, tt.ceiling/2, tt.ceiling)
			}
		}
	}
}

// waitFor polls cond every millisecond for up to 5s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// stoppingAPI answers one poll with a task just as the operator stops (it cancels the poll's
// context before it answers), as when a long poll returns during a rolling update.
type stoppingAPI struct {
	API
	stop context.CancelFunc
}

func (s stoppingAPI) GetActivityTask(context.Context, *sfn.GetActivityTaskInput, ...func(*sfn.Options)) (*sfn.GetActivityTaskOutput, error) {
	s.stop()
	return &sfn.GetActivityTaskOutput{TaskToken: aws.String("token-at-stop"), Input: aws.String("{}")}, nil
}

func TestPollerRecordsATaskReceivedAsItStops(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	handled := make(chan error, 1)
	p := &Poller{API: stoppingAPI{stop: cancel}, ActivityARN: "arn:aws:states:us-east-1:123456789012:activity:a", Workers: 1, Log: logr.Discard(),
		Handler: HandlerFunc(func(hctx context.Context, task Task) { handled <- hctx.Err() })}
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-handled:
		if err != nil {
			t.Errorf("the task was handled with a context already done (%v): its token could not be recorded", err)
		}
	default:
		t.Error("a task received as the poller stopped was dropped: it waits out its heartbeat timeout before Step Functions hands it out again")
	}
}
