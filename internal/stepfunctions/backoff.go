package stepfunctions

import (
	"context"
	"math/rand/v2"
	"time"

	"k8s.io/utils/clock"
)

// Backoff paces retries after failed calls.
type Backoff struct {
	// Min is the first delay after a retryable failure; it doubles per
	// consecutive failure up to Max.
	Min, Max time.Duration
	// Terminal is the delay after a Terminal failure (a missing activity, a
	// permission problem): no point hurrying until a human fixes it.
	Terminal time.Duration
}

// DefaultBackoff is the poller's backoff.
var DefaultBackoff = Backoff{Min: time.Second, Max: 30 * time.Second, Terminal: time.Minute}

// Delay returns how long to wait after the failures-th consecutive failure
// (from 1) whose class is class: exponential for transient failures, flat for
// terminal ones, with "equal jitter" (half fixed, half random) so workers and
// replicas do not retry in lockstep.
func (b Backoff) Delay(failures int, class Class) time.Duration {
	d := b.Terminal
	if class != Terminal {
		d = b.Min << min(max(failures-1, 0), 30)
		if d > b.Max || d <= 0 {
			d = b.Max
		}
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// sleep waits d on clk; false when ctx ended first.
func sleep(ctx context.Context, clk clock.Clock, d time.Duration) bool {
	t := clk.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C():
		return true
	}
}
