package stepfunctions

import (
	"context"
	"flag"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/go-logr/logr"
	clocktesting "k8s.io/utils/clock/testing"
)

// heartbeatRecorder reports the answer to every SendTaskHeartbeat.
type heartbeatRecorder struct {
	API
	answers chan error
}

func (r heartbeatRecorder) SendTaskHeartbeat(ctx context.Context, in *sfn.SendTaskHeartbeatInput, optFns ...func(*sfn.Options)) (*sfn.SendTaskHeartbeatOutput, error) {
	out, err := r.API.SendTaskHeartbeat(ctx, in, optFns...)
	r.answers <- err
	return out, err
}

func (r heartbeatRecorder) next(t *testing.T) error {
	t.Helper()
	select {
	case err := <-r.answers:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("no heartbeat sent")
		return nil
	}
}

// pollTask takes one queued task from the local endpoint.
func (l *local) pollTask(t *testing.T) string {
	t.Helper()
	out, err := l.api.GetActivityTask(t.Context(), &sfn.GetActivityTaskInput{ActivityArn: aws.String(l.activity)})
	if err != nil || aws.ToString(out.TaskToken) == "" {
		t.Fatalf("GetActivityTask: %v (token %q)", err, aws.ToString(out.TaskToken))
	}
	return aws.ToString(out.TaskToken)
}

func TestHeartbeaterKeepsTokensAliveAndDropsGoneOnes(t *testing.T) {
	l := newLocal(t)
	l.start(t, "a", "{}")
	l.start(t, "b", "{}")
	alive, stale := l.pollTask(t), l.pollTask(t)

	rec := heartbeatRecorder{API: l.api, answers: make(chan error, 4)}
	clk := clocktesting.NewFakeClock(time.Now())
	h := &Heartbeater{API: rec, Interval: time.Minute, Clock: clk, Log: logr.Discard()}
	gone := make(chan string, 2)
	onGone := func(token string) { gone <- token }
	h.Track(alive, onGone)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() { _ = h.Start(ctx) }()
	waitFor(t, "the heartbeat ticker", clk.HasWaiters)

	// At 8s of the task's 10s heartbeat timeout, a round keeps `alive` open.
	l.clock.Advance(8 * time.Second)
	clk.Step(time.Minute)
	if err := rec.next(t); err != nil {
		t.Fatalf("heartbeat on an open task: %v", err)
	}

	// At 16s, `stale` (never heartbeated) has timed out; `alive` has not.
	l.clock.Advance(8 * time.Second)
	h.Track(stale, onGone)
	clk.Step(time.Minute)
	// The round heartbeats both tokens, in either order: `alive`'s heartbeat succeeds and
	// `stale`'s fails.
	if first, second := rec.next(t), rec.next(t); (first == nil) == (second == nil) {
		t.Fatalf("heartbeats of the round answered %v and %v, want one success and one failure", first, second)
	}
	select {
	case token := <-gone:
		if token != stale {
			t.Fatalf("onGone(%q), want the stale token", token)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("onGone not called for the timed-out token")
	}
	h.mu.Lock()
	_, staleTracked := h.tracked[stale]
	_, aliveTracked := h.tracked[alive]
	h.mu.Unlock()
	if staleTracked || !aliveTracked {
		t.Fatalf("tracked after the round: stale=%v alive=%v, want false true", staleTracked, aliveTracked)
	}
	if _, err := l.api.SendTaskSuccess(t.Context(), &sfn.SendTaskSuccessInput{TaskToken: aws.String(alive), Output: aws.String("{}")}); err != nil {
		t.Fatalf("the heartbeated task was not kept open: %v", err)
	}
}

// countingAPI counts heartbeats and answers them with err.
type countingAPI struct {
	API
	calls atomic.Int32
	err   error
}

func (c *countingAPI) SendTaskHeartbeat(context.Context, *sfn.SendTaskHeartbeatInput, ...func(*sfn.Options)) (*sfn.SendTaskHeartbeatOutput, error) {
	c.calls.Add(1)
	return &sfn.SendTaskHeartbeatOutput{}, c.err
}

func TestHeartbeaterRounds(t *testing.T) {
	api := &countingAPI{}
	h := &Heartbeater{API: api, Concurrency: 2, Log: logr.Discard()}
	for _, token := range []string{"t1", "t2", "t3", "t4", "t5"} {
		h.Track(token, nil)
	}
	h.Untrack("t5")
	h.round(t.Context())
	if got := api.calls.Load(); got != 4 {
		t.Fatalf("%d heartbeats for 4 tracked tokens", got)
	}

	api.err = errorWithCode("ThrottlingException")
	h.round(t.Context())
	if len(h.tracked) != 4 {
		t.Errorf("a retryable failure untracked tokens: %d left", len(h.tracked))
	}

	api.err = errorWithCode("InvalidToken")
	h.round(t.Context())
	if len(h.tracked) != 0 {
		t.Errorf("InvalidToken tokens still tracked: %d", len(h.tracked))
	}
}

func TestHeartbeaterRetrackedTokenNotForgotten(t *testing.T) {
	var h Heartbeater
	calls := 0
	h.Track("t", func(string) { calls++ })
	first := h.tracked["t"]
	h.Track("t", func(string) { calls++ })
	if h.forget("t", first) {
		t.Error("a Gone answer for an earlier Track must not untrack the token tracked again")
	}
	if !h.forget("t", h.tracked["t"]) || len(h.tracked) != 0 {
		t.Error("forget of the current tracking must untrack")
	}
}

func TestHeartbeaterStartAndFlags(t *testing.T) {
	if err := (&Heartbeater{}).Start(t.Context()); err == nil {
		t.Error("Start without API: want an error")
	}
	var h Heartbeater
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	h.BindFlags(fs)
	if h.Interval != DefaultHeartbeatInterval {
		t.Errorf("default --heartbeat-interval = %v", h.Interval)
	}
	if err := fs.Parse([]string{"--heartbeat-interval=30s"}); err != nil || h.Interval != 30*time.Second {
		t.Errorf("--heartbeat-interval=30s: %v, err %v", h.Interval, err)
	}
	if !h.NeedLeaderElection() {
		t.Error("the heartbeater must run on the leader only")
	}
}

// hangingAPI never answers a heartbeat for token "hung" (until the call's context ends).
type hangingAPI struct{ countingAPI }

func (h *hangingAPI) SendTaskHeartbeat(ctx context.Context, in *sfn.SendTaskHeartbeatInput, o ...func(*sfn.Options)) (*sfn.SendTaskHeartbeatOutput, error) {
	if aws.ToString(in.TaskToken) == "hung" {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return h.countingAPI.SendTaskHeartbeat(ctx, in, o...)
}

// One call that never returns must not stop every heartbeat: a round ends within its interval.
func TestHeartbeaterRoundOutlivesAHungCall(t *testing.T) {
	api := &hangingAPI{}
	h := &Heartbeater{API: api, Interval: 200 * time.Millisecond, Concurrency: 1, Log: logr.Discard()}
	h.Track("hung", nil)
	h.Track("fine", nil)
	done := make(chan struct{})
	go func() { h.round(t.Context()); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("a heartbeat round still waits on a call that hangs, 2s after its 200ms interval")
	}
	if api.calls.Load() != 1 {
		t.Fatalf("%d heartbeats for the token that answers; want 1", api.calls.Load())
	}
	if len(h.tracked) != 2 {
		t.Fatalf("a hung call untracked a token: %d left", len(h.tracked))
	}
}
