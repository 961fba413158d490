package stepfunctions

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/go-logr/logr"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/manager"
)

// Defaults for Poller.
const (
	DefaultPollers        = 4
	DefaultUnhealthyAfter = 5 * time.Minute
)

// Task is one activity task handed out by GetActivityTask.
type Task struct {
	// Token answers the task (SendTaskSuccess/Failure/Heartbeat).
	Token string
	// Input is the task's JSON input.
	Input []byte
}

// Handler takes the tasks the Poller receives. HandleTask owns the token from
// then on (it must track it for heartbeats and answer it eventually). It runs
// on the polling goroutine: it should record the task and return quickly, since
// a worker does not poll while it is handling.
type Handler interface {
	HandleTask(ctx context.Context, t Task)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, t Task)

// HandleTask calls f.
func (f HandlerFunc) HandleTask(ctx context.Context, t Task) { f(ctx, t) }

// Poller is the worker of one Step Functions activity: Workers goroutines each
// long-poll GetActivityTask and pass the tasks to Handler. It runs under a
// controller-runtime manager, on the leader only.
//
// A poll cut short by shutdown may lose a task Step Functions had just handed
// out; the shipped state machine re-issues it after its heartbeat timeout.
type Poller struct {
	API         API
	ActivityARN string
	// WorkerName is recorded in the execution history (e.g. the pod name).
	WorkerName string
	// Workers is the number of concurrent long polls (DefaultPollers when 0).
	Workers int
	Handler Handler
	Log     logr.Logger
	// Backoff after failed polls (DefaultBackoff when zero).
	Backoff Backoff
	// UnhealthyAfter is how long polls may fail without a success before
	// Healthy reports an error (DefaultUnhealthyAfter when 0).
	UnhealthyAfter time.Duration
	// Clock drives backoff and health (the real clock when nil).
	Clock clock.Clock

	health pollHealth
}

var (
	_ manager.Runnable               = (*Poller)(nil)
	_ manager.LeaderElectionRunnable = (*Poller)(nil)
	_ healthz.Checker                = (*Poller)(nil).Healthy
)

// BindFlags registers --activity-pollers on fs, writing into p.Workers.
func (p *Poller) BindFlags(fs *flag.FlagSet) {
	fs.IntVar(&p.Workers, "activity-pollers", DefaultPollers,
		"Number of concurrent GetActivityTask long polls on the approval activity (on the leader). "+
			"Each holds one HTTP connection for up to 60s; raise it when approvals arrive faster than a few per second.")
}

// NeedLeaderElection is true: only the leader takes tasks.
func (p *Poller) NeedLeaderElection() bool { return true }

// Start polls until ctx ends, then returns nil once every worker has stopped.
// It fails at once when the Poller is not configured.
func (p *Poller) Start(ctx context.Context) error {
	switch {
	case p.API == nil:
		return errors.New("activity poller: no API")
	case p.ActivityARN == "":
		return errors.New("activity poller: no activity ARN")
	case p.Handler == nil:
		return errors.New("activity poller: no handler")
	}
	workers := p.Workers
	if workers <= 0 {
		workers = DefaultPollers
	}
	p.Log.Info("polling activity", "activity", p.ActivityARN, "workers", workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() { p.work(ctx, p.Log.WithValues("worker", i)) })
	}
	wg.Wait()
	return nil
}

// work is one polling loop: poll again at once after a task or an empty poll,
// back off after failures.
func (p *Poller) work(ctx context.Context, log logr.Logger) {
	failures := 0
	for ctx.Err() == nil {
		task, err := p.poll(ctx)
		if ctx.Err() != nil {
			p.finish(ctx, task)
			return
		}
		if err != nil {
			failures++
			p.health.failed(p.clock().Now(), err)
			if !sleep(ctx, p.clock(), p.retryDelay(log, failures, err)) {
				return
			}
			continue
		}
		failures = 0
		p.health.succeeded()
		if task.Token != "" {
			p.Handler.HandleTask(ctx, task)
		}
	}
}

// finish handles a task that arrived as the poller stops: dropped, it would wait out its
// heartbeat timeout (an hour by default) before Step Functions hands it out again, so it is
// recorded within stopGrace.
func (p *Poller) finish(ctx context.Context, task Task) {
	if task.Token == "" {
		return
	}
	grace, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopGrace)
	defer cancel()
	p.Handler.HandleTask(grace, task)
}

// stopGrace bounds the handling of a task received as the poller stops.
const stopGrace = 10 * time.Second

func (p *Poller) poll(ctx context.Context) (Task, error) {
	in := &sfn.GetActivityTaskInput{ActivityArn: aws.String(p.ActivityARN)}
	if p.WorkerName != "" {
		in.WorkerName = aws.String(p.WorkerName)
	}
	out, err := p.API.GetActivityTask(ctx, in)
	if err != nil {
		return Task{}, fmt.Errorf("polling activity %s: %w", p.ActivityARN, err)
	}
	return Task{Token: aws.ToString(out.TaskToken), Input: []byte(aws.ToString(out.Input))}, nil
}

// retryDelay logs a failed poll and returns the backoff before the next one.
func (p *Poller) retryDelay(log logr.Logger, failures int, err error) time.Duration {
	backoff := p.Backoff
	if backoff == (Backoff{}) {
		backoff = DefaultBackoff
	}
	class := Classify(err)
	delay := backoff.Delay(failures, class)
	if class == Terminal {
		log.Error(err, "cannot poll the approval activity: no approvals will be taken until this is fixed "+
			"(does the activity exist in this region and account? may the operator's role call states:GetActivityTask?)",
			"code", Code(err), "retryIn", delay)
	} else {
		log.Info("polling the approval activity failed, retrying", "error", err.Error(), "class", class.String(),
			"failures", failures, "retryIn", delay)
	}
	return delay
}

// Healthy is a healthz.Checker: it fails once every poll has failed for longer
// than UnhealthyAfter. A Poller that is not running (not the leader) is healthy.
func (p *Poller) Healthy(*http.Request) error {
	after := p.UnhealthyAfter
	if after == 0 {
		after = DefaultUnhealthyAfter
	}
	return p.health.check(p.clock().Now(), after)
}

func (p *Poller) clock() clock.Clock {
	if p.Clock == nil {
		return clock.RealClock{}
	}
	return p.Clock
}

// pollHealth remembers since when polls have been failing.
type pollHealth struct {
	mu      sync.Mutex
	since   time.Time // first failure since the last success; zero when healthy
	lastErr error
}

func (h *pollHealth) failed(now time.Time, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.since.IsZero() {
		h.since = now
	}
	h.lastErr = err
}

func (h *pollHealth) succeeded() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.since, h.lastErr = time.Time{}, nil
}

func (h *pollHealth) check(now time.Time, after time.Duration) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.since.IsZero() {
		return nil
	}
	if failing := now.Sub(h.since); failing > after {
		return fmt.Errorf("every activity poll has failed for %v: %w", failing.Round(time.Second), h.lastErr)
	}
	return nil
}
