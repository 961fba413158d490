package operator

import (
	"flag"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/stepfunctions"
)

// The shipped defaults hold the Step Functions budget issue 15 sets: at 100,000 pending tokens,
// heartbeats stay under a fifth of the SendTask refill (500/s in the large regions), each token
// still gets two heartbeats within its heartbeat timeout, and the defaults pass validate.
func TestDefaultsKeepHeartbeatsWithinTheSendTaskBudget(t *testing.T) {
	c := NewConfig()
	c.BindFlags(flag.NewFlagSet("manager", flag.ContinueOnError))
	c.Defaults()
	if err := c.validate(); err != nil {
		t.Fatalf("the defaults do not validate: %v", err)
	}
	limits := stepfunctions.DefaultLimits()
	perSecond := 100_000 / c.Heartbeats.Interval.Seconds()
	if share := perSecond / limits.SendTask.RefillPerSecond; share >= 0.2 {
		t.Errorf("--heartbeat-interval %s: 100,000 tokens beat %.0f/s, %.0f %% of SendTask's %.0f/s (want under 20 %%)",
			c.Heartbeats.Interval, perSecond, 100*share, limits.SendTask.RefillPerSecond)
	}
	if timeout := time.Duration(c.Lifecycle.HeartbeatSeconds) * time.Second; timeout < 2*c.Heartbeats.Interval {
		t.Errorf("--task-heartbeat-seconds %s allows fewer than two heartbeats every %s", timeout, c.Heartbeats.Interval)
	}
	if c.Heartbeats.Interval != stepfunctions.DefaultHeartbeatInterval {
		t.Errorf("the flag's default %s is not the heartbeater's %s", c.Heartbeats.Interval, stepfunctions.DefaultHeartbeatInterval)
	}
}
