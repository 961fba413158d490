package stepfunctions

import (
	"context"
	"fmt"
	"math"
	"time"

	"golang.org/x/time/rate"
)

// Bucket is a token bucket: Burst calls at once, refilled at RefillPerSecond.
type Bucket struct {
	Burst           int
	RefillPerSecond float64
}

// Limits are the client-side rate limits per operation. The defaults follow
// AWS Step Functions' API quotas for large regions (us-east-1, us-west-2,
// eu-west-1); AWS applies them per account and region.
type Limits struct {
	// SendTask is shared by SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat.
	SendTask          Bucket
	GetActivityTask   Bucket
	StartExecution    Bucket
	StopExecution     Bucket
	DescribeExecution Bucket
	// Other applies to every other operation, each with its own bucket.
	Other Bucket
}

// DefaultLimits returns AWS's large-region quotas.
func DefaultLimits() Limits {
	return Limits{
		SendTask:          Bucket{Burst: 3000, RefillPerSecond: 500},
		GetActivityTask:   Bucket{Burst: 3000, RefillPerSecond: 500},
		StartExecution:    Bucket{Burst: 1300, RefillPerSecond: 300},
		StopExecution:     Bucket{Burst: 1000, RefillPerSecond: 200},
		DescribeExecution: Bucket{Burst: 300, RefillPerSecond: 15},
		Other:             Bucket{Burst: 100, RefillPerSecond: 20},
	}
}

// Scale multiplies every burst and refill rate by f (bursts stay at least 1).
func (l Limits) Scale(f float64) Limits {
	scale := func(b Bucket) Bucket {
		return Bucket{Burst: max(1, int(math.Round(float64(b.Burst)*f))), RefillPerSecond: b.RefillPerSecond * f}
	}
	return Limits{
		SendTask:          scale(l.SendTask),
		GetActivityTask:   scale(l.GetActivityTask),
		StartExecution:    scale(l.StartExecution),
		StopExecution:     scale(l.StopExecution),
		DescribeExecution: scale(l.DescribeExecution),
		Other:             scale(l.Other),
	}
}

// bucketFor returns the bucket that governs op, and the name of that bucket:
// operations with the same name share one bucket.
func (l Limits) bucketFor(op string) (string, Bucket) {
	switch op {
	case OpSendTaskSuccess, OpSendTaskFailure, OpSendTaskHeartbeat:
		return "SendTask", l.SendTask
	case OpGetActivityTask:
		return op, l.GetActivityTask
	case OpStartExecution:
		return op, l.StartExecution
	case OpStopExecution:
		return op, l.StopExecution
	case OpDescribeExecution:
		return op, l.DescribeExecution
	default:
		return op, l.Other
	}
}

// Limiter holds one token bucket per operation of API (the SendTask* calls
// share one). It is safe for concurrent use.
type Limiter struct {
	buckets map[string]*rate.Limiter
}

// NewLimiter builds the buckets for l, each starting full.
func NewLimiter(l Limits) *Limiter {
	byName := map[string]*rate.Limiter{}
	buckets := make(map[string]*rate.Limiter, len(operations))
	for _, op := range operations {
		name, b := l.bucketFor(op)
		if byName[name] == nil {
			byName[name] = rate.NewLimiter(rate.Limit(b.RefillPerSecond), b.Burst)
		}
		buckets[op] = byName[name]
	}
	return &Limiter{buckets: buckets}
}

// Wait blocks until op may be called and returns how long it waited. It fails
// when ctx ends first, or when the wait would outlast ctx's deadline (then the
// error wraps context.DeadlineExceeded, so Classify says Retryable).
func (l *Limiter) Wait(ctx context.Context, op string) (time.Duration, error) {
	b, ok := l.buckets[op]
	if !ok {
		return 0, fmt.Errorf("rate limiter: unknown operation %q", op)
	}
	r := b.Reserve()
	delay := r.Delay()
	if delay == 0 {
		return 0, nil
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < delay {
		r.Cancel()
		return 0, fmt.Errorf("%s: rate limit wait of %v would exceed the deadline: %w", op, delay, context.DeadlineExceeded)
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
		return delay, nil
	case <-ctx.Done():
		r.Cancel()
		return 0, fmt.Errorf("%s: waiting for rate limit: %w", op, context.Cause(ctx))
	}
}

// Drain empties op's bucket, so that after a throttling answer the following
// calls go out at the refill rate instead of bursting into the throttle again.
func (l *Limiter) Drain(op string) {
	b, ok := l.buckets[op]
	if !ok {
		return
	}
	now := time.Now()
	if n := int(b.TokensAt(now)); n > 0 {
		b.ReserveN(now, n)
	}
}
