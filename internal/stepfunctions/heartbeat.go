package stepfunctions

import (
	"context"
	"errors"
	"flag"
	"maps"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/go-logr/logr"
	"golang.org/x/sync/errgroup"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/manager"
)

// Defaults for Heartbeater.
const (
	// DefaultHeartbeatInterval: 100,000 held tokens beat 83 times a second, a sixth of
	// SendTask's 500/s refill, leaving the rest to decisions.
	DefaultHeartbeatInterval    = 20 * time.Minute
	DefaultHeartbeatConcurrency = 8
)

// Heartbeater keeps the task tokens the operator holds alive: every Interval
// it sends SendTaskHeartbeat for each tracked token. Interval must be well
// below the state machine's HeartbeatSeconds (the contract's heartbeatSeconds,
// 3600 by default). It runs under a controller-runtime manager, on the leader.
type Heartbeater struct {
	// API should be the wrapped API, so heartbeats share the SendTask bucket.
	API API
	// Interval between rounds (DefaultHeartbeatInterval when 0).
	Interval time.Duration
	// Concurrency bounds the heartbeats in flight (DefaultHeartbeatConcurrency when 0).
	Concurrency int
	// Clock drives the rounds (the real clock when nil).
	Clock clock.WithTicker
	Log   logr.Logger

	mu      sync.Mutex
	tracked map[string]*tracking
}

// tracking is one Track call; its identity tells a token tracked again apart.
type tracking struct{ onGone func(token string) }

var (
	_ manager.Runnable               = (*Heartbeater)(nil)
	_ manager.LeaderElectionRunnable = (*Heartbeater)(nil)
)

// BindFlags registers --heartbeat-interval on fs, writing into h.Interval.
func (h *Heartbeater) BindFlags(fs *flag.FlagSet) {
	fs.DurationVar(&h.Interval, "heartbeat-interval", DefaultHeartbeatInterval,
		"How often to send SendTaskHeartbeat for each approval task the operator holds. "+
			"At most half of --task-heartbeat-seconds, or waiting tasks time out and are re-issued. The default keeps 100,000 held tokens at a sixth of SendTask's 500/s quota.")
}

// Track heartbeats token from the next round on. onGone (may be nil) is called
// once, from the heartbeat goroutine, if Step Functions answers that the token
// is closed (TaskTimedOut, TaskDoesNotExist) or invalid; the token is then no
// longer tracked. Tracking a tracked token replaces its onGone.
func (h *Heartbeater) Track(token string, onGone func(token string)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.tracked == nil {
		h.tracked = map[string]*tracking{}
	}
	h.tracked[token] = &tracking{onGone: onGone}
	tokensHeld.Set(float64(len(h.tracked)))
}

// Untrack stops heartbeating token (after answering it, say).
func (h *Heartbeater) Untrack(token string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.tracked, token)
	tokensHeld.Set(float64(len(h.tracked)))
}

// NeedLeaderElection is true: only the leader holds tokens.
func (h *Heartbeater) NeedLeaderElection() bool { return true }

// Start sends a round of heartbeats every Interval until ctx ends.
func (h *Heartbeater) Start(ctx context.Context) error {
	if h.API == nil {
		return errors.New("heartbeater: no API")
	}
	interval := h.interval()
	var clk clock.WithTicker = clock.RealClock{}
	if h.Clock != nil {
		clk = h.Clock
	}
	ticker := clk.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C():
			h.round(ctx)
		}
	}
}

// round heartbeats every token tracked now, Concurrency at a time.
func (h *Heartbeater) round(ctx context.Context) {
	h.mu.Lock()
	batch := make(map[string]*tracking, len(h.tracked))
	maps.Copy(batch, h.tracked)
	h.mu.Unlock()

	var g errgroup.Group
	g.SetLimit(h.concurrency())
	for token, tr := range batch {
		g.Go(func() error {
			h.beat(ctx, token, tr)
			return nil
		})
	}
	_ = g.Wait()
}

// beat heartbeats one token. The call gets at most one interval: a call that hangs must not
// hold up the round, and with it every other token's heartbeat.
func (h *Heartbeater) beat(ctx context.Context, token string, tr *tracking) {
	callCtx, cancel := context.WithTimeout(ctx, h.interval())
	defer cancel()
	_, err := h.API.SendTaskHeartbeat(callCtx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String(token)})
	switch {
	case err == nil:
	case Classify(err) == Gone:
		h.tokenLog(token).Info("task token is closed, no longer heartbeating it", "code", Code(err))
		if h.forget(token, tr) && tr.onGone != nil {
			tr.onGone(token)
		}
	case ctx.Err() == nil:
		h.tokenLog(token).Error(err, "heartbeat failed, retrying next round", "class", Classify(err).String())
	}
}

// forget untracks token if tr is still its tracking, and says whether it was.
func (h *Heartbeater) forget(token string, tr *tracking) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.tracked[token] != tr {
		return false
	}
	delete(h.tracked, token)
	tokensHeld.Set(float64(len(h.tracked)))
	return true
}

func (h *Heartbeater) interval() time.Duration {
	if h.Interval <= 0 {
		return DefaultHeartbeatInterval
	}
	return h.Interval
}

func (h *Heartbeater) concurrency() int {
	if h.Concurrency <= 0 {
		return DefaultHeartbeatConcurrency
	}
	return h.Concurrency
}

// log names a token by its tail: tokens are long and secret-ish.
func (h *Heartbeater) tokenLog(token string) logr.Logger {
	return h.Log.WithValues("tokenSuffix", token[max(0, len(token)-8):])
}
