package stepfunctions

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// API is the subset of the Step Functions SDK v2 client tollgate uses. Its
// method signatures are copied from *sfn.Client, so the real client, the
// instrumented decorator returned by Wrap and test fakes are interchangeable.
type API interface {
	StartExecution(ctx context.Context, params *sfn.StartExecutionInput, optFns ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error)
	DescribeExecution(ctx context.Context, params *sfn.DescribeExecutionInput, optFns ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error)
	StopExecution(ctx context.Context, params *sfn.StopExecutionInput, optFns ...func(*sfn.Options)) (*sfn.StopExecutionOutput, error)
	GetActivityTask(ctx context.Context, params *sfn.GetActivityTaskInput, optFns ...func(*sfn.Options)) (*sfn.GetActivityTaskOutput, error)
	SendTaskSuccess(ctx context.Context, params *sfn.SendTaskSuccessInput, optFns ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error)
	SendTaskFailure(ctx context.Context, params *sfn.SendTaskFailureInput, optFns ...func(*sfn.Options)) (*sfn.SendTaskFailureOutput, error)
	SendTaskHeartbeat(ctx context.Context, params *sfn.SendTaskHeartbeatInput, optFns ...func(*sfn.Options)) (*sfn.SendTaskHeartbeatOutput, error)
	CreateActivity(ctx context.Context, params *sfn.CreateActivityInput, optFns ...func(*sfn.Options)) (*sfn.CreateActivityOutput, error)
	CreateStateMachine(ctx context.Context, params *sfn.CreateStateMachineInput, optFns ...func(*sfn.Options)) (*sfn.CreateStateMachineOutput, error)
	DescribeStateMachine(ctx context.Context, params *sfn.DescribeStateMachineInput, optFns ...func(*sfn.Options)) (*sfn.DescribeStateMachineOutput, error)
	GetExecutionHistory(ctx context.Context, params *sfn.GetExecutionHistoryInput, optFns ...func(*sfn.Options)) (*sfn.GetExecutionHistoryOutput, error)
}

var _ API = (*sfn.Client)(nil)

// Operation names, as the SDK and AWS quotas spell them. They label metrics and
// select rate-limit buckets.
const (
	OpStartExecution       = "StartExecution"
	OpDescribeExecution    = "DescribeExecution"
	OpStopExecution        = "StopExecution"
	OpGetActivityTask      = "GetActivityTask"
	OpSendTaskSuccess      = "SendTaskSuccess"
	OpSendTaskFailure      = "SendTaskFailure"
	OpSendTaskHeartbeat    = "SendTaskHeartbeat"
	OpCreateActivity       = "CreateActivity"
	OpCreateStateMachine   = "CreateStateMachine"
	OpDescribeStateMachine = "DescribeStateMachine"
	OpGetExecutionHistory  = "GetExecutionHistory"
)

// operations lists every operation of API, in declaration order.
var operations = []string{
	OpStartExecution, OpDescribeExecution, OpStopExecution, OpGetActivityTask,
	OpSendTaskSuccess, OpSendTaskFailure, OpSendTaskHeartbeat,
	OpCreateActivity, OpCreateStateMachine, OpDescribeStateMachine, OpGetExecutionHistory,
}
