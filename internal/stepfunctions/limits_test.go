package stepfunctions

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestLimitsBuckets(t *testing.T) {
	l := DefaultLimits()
	tests := []struct {
		op   string
		name string
		want Bucket
	}{
		{OpSendTaskSuccess, "SendTask", Bucket{3000, 500}},
		{OpSendTaskFailure, "SendTask", Bucket{3000, 500}},
		{OpSendTaskHeartbeat, "SendTask", Bucket{3000, 500}},
		{OpGetActivityTask, OpGetActivityTask, Bucket{3000, 500}},
		{OpStartExecution, OpStartExecution, Bucket{1300, 300}},
		{OpStopExecution, OpStopExecution, Bucket{1000, 200}},
		{OpDescribeExecution, OpDescribeExecution, Bucket{300, 15}},
		{OpCreateActivity, OpCreateActivity, Bucket{100, 20}},
		{OpDescribeStateMachine, OpDescribeStateMachine, Bucket{100, 20}},
	}
	for _, tt := range tests {
		if name, b := l.bucketFor(tt.op); name != tt.name || b != tt.want {
			t.Errorf("bucketFor(%s) = %s %+v, want %s %+v", tt.op, name, b, tt.name, tt.want)
		}
	}
}

func TestLimitsScale(t *testing.T) {
	tests := []struct {
		f    float64
		want Bucket
	}{
		{1, Bucket{300, 15}},
		{0.5, Bucket{150, 7.5}},
		{2, Bucket{600, 30}},
		{0.001, Bucket{1, 0.015}},
	}
	for _, tt := range tests {
		if got := DefaultLimits().Scale(tt.f).DescribeExecution; got != tt.want {
			t.Errorf("Scale(%v).DescribeExecution = %+v, want %+v", tt.f, got, tt.want)
		}
	}
}

func TestLimiterSharesSendTaskBucket(t *testing.T) {
	lim := NewLimiter(DefaultLimits())
	if lim.buckets[OpSendTaskSuccess] != lim.buckets[OpSendTaskHeartbeat] || lim.buckets[OpSendTaskSuccess] != lim.buckets[OpSendTaskFailure] {
		t.Error("SendTask* operations must share one bucket")
	}
	if lim.buckets[OpCreateActivity] == lim.buckets[OpDescribeStateMachine] {
		t.Error("other operations must have a bucket each")
	}
	if len(lim.buckets) != len(operations) {
		t.Errorf("%d buckets, want one per operation (%d)", len(lim.buckets), len(operations))
	}
}

func TestLimiterDrainThenWait(t *testing.T) {
	lim := NewLimiter(Limits{Other: Bucket{Burst: 5, RefillPerSecond: 50}})
	if waited, err := lim.Wait(t.Context(), OpCreateActivity); err != nil || waited != 0 {
		t.Fatalf("full bucket: waited %v, err %v", waited, err)
	}
	lim.Drain(OpCreateActivity)
	if tokens := lim.buckets[OpCreateActivity].Tokens(); tokens >= 1 {
		t.Fatalf("%v tokens left after Drain, want < 1", tokens)
	}
	waited, err := lim.Wait(t.Context(), OpCreateActivity)
	if err != nil || waited <= 0 || waited > 100*time.Millisecond {
		t.Fatalf("after drain: waited %v, err %v; want a wait of about one refill (20ms)", waited, err)
	}
	if other := lim.buckets[OpDescribeStateMachine].Tokens(); other < 4 {
		t.Errorf("Drain touched another operation's bucket: %v tokens", other)
	}
}

func TestLimiterWaitRespectsContext(t *testing.T) {
	lim := NewLimiter(Limits{Other: Bucket{Burst: 1, RefillPerSecond: 0.1}})
	lim.Drain(OpCreateActivity)

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := lim.Wait(ctx, OpCreateActivity)
	if !errors.Is(err, context.DeadlineExceeded) || Classify(err) != Retryable {
		t.Errorf("wait beyond deadline: err = %v (class %v), want DeadlineExceeded, Retryable", err, Classify(err))
	}

	ctx, cancel = context.WithCancel(t.Context())
	cancel()
	if _, err := lim.Wait(ctx, OpCreateActivity); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled context: err = %v, want context.Canceled", err)
	}
	if _, err := lim.Wait(t.Context(), "NoSuchOperation"); err == nil {
		t.Error("unknown operation: want an error")
	}
}
