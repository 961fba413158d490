package stepfunctions

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// Deadlines of a call that its caller gave none: no call to AWS may hang the operator (one
// hung call would stop every heartbeat, or a reconcile worker). A GetActivityTask long poll
// lasts up to 60 s, and AWS asks clients to wait at least 65 s for it.
const (
	DefaultCallTimeout = 30 * time.Second
	DefaultPollTimeout = 70 * time.Second
)

// Wrap decorates api: every call first waits on its operation's bucket in
// limiter, gets a deadline unless it has one, is timed and counted (metrics.go),
// and a throttling answer drains the bucket. A nil limiter disables rate
// limiting (metrics stay).
func Wrap(api API, limiter *Limiter, opts ...WrapOption) API {
	w := &instrumented{api: api, limiter: limiter, callTimeout: DefaultCallTimeout, pollTimeout: DefaultPollTimeout}
	for _, o := range opts {
		o(w)
	}
	return w
}

// WrapOption tunes Wrap.
type WrapOption func(*instrumented)

// WithCallTimeouts sets the deadlines of calls (call) and of GetActivityTask long polls (poll).
func WithCallTimeouts(call, poll time.Duration) WrapOption {
	return func(w *instrumented) { w.callTimeout, w.pollTimeout = call, poll }
}

type instrumented struct {
	api                      API
	limiter                  *Limiter
	callTimeout, pollTimeout time.Duration
}

// sdkCall is the shape of every API method.
type sdkCall[In, Out any] func(context.Context, In, ...func(*sfn.Options)) (Out, error)

func invoke[In, Out any](ctx context.Context, w *instrumented, op string, call sdkCall[In, Out], in In, optFns []func(*sfn.Options)) (Out, error) {
	if w.limiter != nil {
		waited, err := w.limiter.Wait(ctx, op)
		rateLimitWait.WithLabelValues(op).Observe(waited.Seconds())
		if err != nil {
			requestsTotal.WithLabelValues(op, outcome(err)).Inc()
			var zero Out
			return zero, err
		}
	}
	if _, ok := ctx.Deadline(); !ok {
		timeout := w.callTimeout
		if op == OpGetActivityTask {
			timeout = w.pollTimeout
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	start := time.Now()
	out, err := call(ctx, in, optFns...)
	observeCall(op, time.Since(start), err)
	if w.limiter != nil && IsThrottle(err) {
		w.limiter.Drain(op)
	}
	return out, err
}

func (w *instrumented) StartExecution(ctx context.Context, in *sfn.StartExecutionInput, optFns ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error) {
	return invoke(ctx, w, OpStartExecution, w.api.StartExecution, in, optFns)
}

func (w *instrumented) DescribeExecution(ctx context.Context, in *sfn.DescribeExecutionInput, optFns ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error) {
	return invoke(ctx, w, OpDescribeExecution, w.api.DescribeExecution, in, optFns)
}

func (w *instrumented) StopExecution(ctx context.Context, in *sfn.StopExecutionInput, optFns ...func(*sfn.Options)) (*sfn.StopExecutionOutput, error) {
	return invoke(ctx, w, OpStopExecution, w.api.StopExecution, in, optFns)
}

func (w *instrumented) GetActivityTask(ctx context.Context, in *sfn.GetActivityTaskInput, optFns ...func(*sfn.Options)) (*sfn.GetActivityTaskOutput, error) {
	return invoke(ctx, w, OpGetActivityTask, w.api.GetActivityTask, in, optFns)
}

func (w *instrumented) SendTaskSuccess(ctx context.Context, in *sfn.SendTaskSuccessInput, optFns ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error) {
	return invoke(ctx, w, OpSendTaskSuccess, w.api.SendTaskSuccess, in, optFns)
}

func (w *instrumented) SendTaskFailure(ctx context.Context, in *sfn.SendTaskFailureInput, optFns ...func(*sfn.Options)) (*sfn.SendTaskFailureOutput, error) {
	return invoke(ctx, w, OpSendTaskFailure, w.api.SendTaskFailure, in, optFns)
}

func (w *instrumented) SendTaskHeartbeat(ctx context.Context, in *sfn.SendTaskHeartbeatInput, optFns ...func(*sfn.Options)) (*sfn.SendTaskHeartbeatOutput, error) {
	return invoke(ctx, w, OpSendTaskHeartbeat, w.api.SendTaskHeartbeat, in, optFns)
}

func (w *instrumented) CreateActivity(ctx context.Context, in *sfn.CreateActivityInput, optFns ...func(*sfn.Options)) (*sfn.CreateActivityOutput, error) {
	return invoke(ctx, w, OpCreateActivity, w.api.CreateActivity, in, optFns)
}

func (w *instrumented) CreateStateMachine(ctx context.Context, in *sfn.CreateStateMachineInput, optFns ...func(*sfn.Options)) (*sfn.CreateStateMachineOutput, error) {
	return invoke(ctx, w, OpCreateStateMachine, w.api.CreateStateMachine, in, optFns)
}

func (w *instrumented) DescribeStateMachine(ctx context.Context, in *sfn.DescribeStateMachineInput, optFns ...func(*sfn.Options)) (*sfn.DescribeStateMachineOutput, error) {
	return invoke(ctx, w, OpDescribeStateMachine, w.api.DescribeStateMachine, in, optFns)
}

func (w *instrumented) GetExecutionHistory(ctx context.Context, in *sfn.GetExecutionHistoryInput, optFns ...func(*sfn.Options)) (*sfn.GetExecutionHistoryOutput, error) {
	return invoke(ctx, w, OpGetExecutionHistory, w.api.GetExecutionHistory, in, optFns)
}
