package stepfunctions

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Class is what a caller should do about an error from Step Functions.
type Class int

const (
	// Unknown: not recognised. Treat like Retryable, with a longer backoff.
	Unknown Class = iota
	// Retryable: transient (throttling, 5xx, network, timeout). Retry with backoff.
	Retryable
	// Terminal: the request or the setup is wrong (bad ARN, input, token,
	// missing activity or state machine, access denied). Retrying the same call
	// will not help; surface it to a human.
	Terminal
	// Gone: the task token or execution no longer exists (TaskTimedOut,
	// TaskDoesNotExist, InvalidToken, ExecutionDoesNotExist). "Already done" if
	// this caller already delivered on it, stale otherwise: the caller decides.
	Gone
	// Exists: the resource already exists (ExecutionAlreadyExists for a
	// deterministic execution name): the call was already done.
	Exists
	// Denied: the operator's credentials or permissions were refused (access
	// denied, expired or unknown credentials, a bad signature or clock). Nothing
	// is wrong with the request: an administrator fixes it and the same call
	// then works, so retry it slowly and say so.
	Denied
)

var classNames = map[Class]string{
	Unknown: "Unknown", Retryable: "Retryable", Terminal: "Terminal", Gone: "Gone", Exists: "Exists", Denied: "Denied",
}

func (c Class) String() string { return classNames[c] }

// errorCodes classifies the Step Functions error codes (sfn/types) and the
// common AWS service errors by code. Throttling codes are handled by IsThrottle.
var errorCodes = map[string]Class{
	"TaskTimedOut":          Gone,
	"TaskDoesNotExist":      Gone,
	"ExecutionDoesNotExist": Gone,
	// A token Step Functions never issued, or no longer knows: nothing can be answered on it
	// any more. Heartbeats and delivery both treat it as closed; the slot's task, if it still
	// waits, is re-issued with a new token after its heartbeat timeout.
	"InvalidToken": Gone,

	"ExecutionAlreadyExists":    Exists,
	"ActivityAlreadyExists":     Exists,
	"StateMachineAlreadyExists": Exists,

	"ActivityWorkerLimitExceeded": Retryable,
	"ExecutionLimitExceeded":      Retryable,
	"ConflictException":           Retryable,
	"RequestTimeout":              Retryable,
	"RequestTimeoutException":     Retryable,
	"InternalFailure":             Retryable,
	"InternalServerError":         Retryable,
	"ServiceUnavailable":          Retryable,

	"InvalidArn":                     Terminal,
	"InvalidDefinition":              Terminal,
	"InvalidName":                    Terminal,
	"InvalidExecutionInput":          Terminal,
	"InvalidOutput":                  Terminal,
	"InvalidEncryptionConfiguration": Terminal,
	"InvalidLoggingConfiguration":    Terminal,
	"InvalidTracingConfiguration":    Terminal,
	"MissingRequiredParameter":       Terminal,
	"ValidationException":            Terminal,
	"StateMachineDoesNotExist":       Terminal,
	"StateMachineDeleting":           Terminal,
	"StateMachineTypeNotSupported":   Terminal,
	"ActivityDoesNotExist":           Terminal,
	"ResourceNotFound":               Terminal,
	"ExecutionNotRedrivable":         Terminal,
	"ActivityLimitExceeded":          Terminal,
	"StateMachineLimitExceeded":      Terminal,
	"ServiceQuotaExceededException":  Terminal,
	"TooManyTags":                    Terminal,
	"KmsInvalidStateException":       Terminal,
	"UnknownOperationException":      Terminal,
	"SerializationException":         Terminal,

	"AccessDenied":                Denied,
	"AccessDeniedException":       Denied,
	"KmsAccessDeniedException":    Denied,
	"UnrecognizedClientException": Denied,
	"InvalidSignatureException":   Denied,
	"IncompleteSignature":         Denied,
	"MissingAuthenticationToken":  Denied,
	"ExpiredTokenException":       Denied,
	"RequestExpired":              Denied,
}

// inputCodes are the Terminal codes that refuse what a call carries — an execution's input or
// name — rather than the operator's setup: retrying cannot help while the caller sends the same,
// and an administrator cannot fix it either (RefusesInput).
var inputCodes = map[string]bool{
	"InvalidExecutionInput": true,
	"ValidationException":   true,
	"InvalidName":           true,
}

// throttleCodes adds Step Functions' own throttling codes to the SDK's list.
var throttleCodes = retry.ThrottleErrorCode{Codes: map[string]struct{}{
	"KmsThrottlingException": {},
}}

// Classify tells what to do about err. It looks through wrapping (errors.As),
// so errors returned by the SDK, by Wrap and by callers that add context all
// classify the same. A context deadline or cancellation is Retryable (the call
// may not have happened): callers check their own ctx first. Classify(nil) is
// Unknown.
func Classify(err error) Class {
	switch {
	case err == nil:
		return Unknown
	case IsThrottle(err):
		return Retryable
	}
	if class, ok := errorCodes[Code(err)]; ok {
		return class
	}
	var apiErr smithy.APIError
	switch {
	case isServerError(err):
		return Retryable
	case errors.As(err, &apiErr) && apiErr.ErrorFault() == smithy.FaultServer:
		return Retryable
	case errors.As(err, &apiErr) && apiErr.ErrorFault() == smithy.FaultClient:
		return Terminal
	case errors.As(err, new(*ratelimit.QuotaExceededError)):
		return Retryable
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return Retryable
	case retry.RetryableConnectionError{}.IsErrorRetryable(err) == aws.TrueTernary:
		return Retryable
	}
	return Unknown
}

// RefusesInput reports whether Step Functions refused what the call carried (an execution's
// input or name), which no retry and no administrator can fix, rather than the operator's setup
// (a missing state machine, a permission), which an administrator can.
func RefusesInput(err error) bool {
	return inputCodes[Code(err)]
}

// IsCallError reports whether err is the failure of a call to Step Functions (as the SDK
// returns it, or a Wrap deadline), as opposed to an error of the caller's own.
func IsCallError(err error) bool {
	var op *smithy.OperationError
	return errors.As(err, &op)
}

// Describe says what went wrong with a call in words that stay the same from one attempt to
// the next — "DescribeExecution: ThrottlingException: Rate exceeded" — unlike the SDK's error
// text, which carries each answer's request ID. Condition messages are made of it: a message
// that changed with every attempt would wake the controller again at once.
func Describe(err error) string {
	prefix := ""
	var op *smithy.OperationError
	if errors.As(err, &op) {
		prefix = op.Operation() + ": "
	}
	var apiErr smithy.APIError
	switch {
	case errors.As(err, &apiErr):
		return prefix + apiErr.ErrorCode() + ": " + apiErr.ErrorMessage()
	case errors.Is(err, context.DeadlineExceeded):
		return prefix + "no answer before the call's deadline"
	case isServerError(err):
		var respErr *smithyhttp.ResponseError
		errors.As(err, &respErr)
		return fmt.Sprintf("%sHTTP %d", prefix, respErr.HTTPStatusCode())
	case op != nil:
		return prefix + op.Err.Error()
	}
	return err.Error()
}

// isServerError reports an HTTP response with a 5xx status.
func isServerError(err error) bool {
	var respErr *smithyhttp.ResponseError
	return errors.As(err, &respErr) && respErr.HTTPStatusCode() >= http.StatusInternalServerError
}

// IsThrottle reports whether err is a throttling answer: one of the SDK's
// throttling codes (ThrottlingException, TooManyRequestsException, ...),
// KmsThrottlingException, or an unmodeled HTTP 429.
func IsThrottle(err error) bool {
	if err == nil {
		return false
	}
	if throttleCodes.IsErrorThrottle(err) == aws.TrueTernary {
		return true
	}
	return retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) == aws.TrueTernary
}

// Code returns the AWS error code of err ("TaskTimedOut", "ThrottlingException",
// ...), or "" when err carries none.
func Code(err error) string {
	if apiErr, ok := errors.AsType[smithy.APIError](err); ok {
		return apiErr.ErrorCode()
	}
	return ""
}
