package stepfunctions

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// Wrap decorates api: every call first waits on its operation's bucket in
// limiter, is timed and counted (metrics.go), and a throttling answer drains
// the bucket. A nil limiter disables rate limiting (metrics stay).
func Wrap(api API, limiter *Limiter) API {
	return &instrumented{api: api, limiter: limiter}
}

type instrumented struct {
	api     API
	limiter *Limiter
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
