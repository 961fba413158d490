package asl

import (
	"errors"
	"fmt"
)

// Predefined error names (States Language appendix A and the AWS error
// handling guide).
const (
	ErrALL                          = "States.ALL"
	ErrRuntime                      = "States.Runtime"
	ErrTimeout                      = "States.Timeout"
	ErrHeartbeatTimeout             = "States.HeartbeatTimeout"
	ErrTaskFailed                   = "States.TaskFailed"
	ErrBranchFailed                 = "States.BranchFailed"
	ErrIntrinsicFailure             = "States.IntrinsicFailure"
	ErrParameterPathFailure         = "States.ParameterPathFailure"
	ErrResultPathMatchFailure       = "States.ResultPathMatchFailure"
	ErrNoChoiceMatched              = "States.NoChoiceMatched"
	ErrDataLimitExceeded            = "States.DataLimitExceeded"
	ErrPermissions                  = "States.Permissions"
	ErrItemReaderFailed             = "States.ItemReaderFailed"
	ErrResultWriterFailed           = "States.ResultWriterFailed"
	ErrExceedToleratedFailureThresh = "States.ExceedToleratedFailureThreshold"
	ErrQueryEvaluationError         = "States.QueryEvaluationError"
)

// Error is a States Language error: a Name that Retry and Catch match on and
// a human readable Cause.
type Error struct {
	Name, Cause string
	wrapped     error // optional sentinel such as ErrNoMatch
}

func (e *Error) Error() string {
	if e.Cause == "" {
		return e.Name
	}
	return e.Name + ": " + e.Cause
}

// Unwrap exposes the sentinel (ErrNoMatch) classifying the error, if any.
func (e *Error) Unwrap() error { return e.wrapped }

// ErrNoMatch is wrapped by the *Error returned when a syntactically valid
// Path selects nothing. Test with errors.Is(err, ErrNoMatch).
var ErrNoMatch = errors.New("path matched nothing")

// noMatchError is the States.Runtime error for a Path that selected nothing.
func noMatchError(path string) *Error {
	return &Error{Name: ErrRuntime, Cause: fmt.Sprintf("the JSONPath %q could not be found in the input", path), wrapped: ErrNoMatch}
}

func newError(name, format string, args ...any) *Error {
	return &Error{Name: name, Cause: fmt.Sprintf(format, args...)}
}

// runtimeError is the States.Runtime error every data-processing failure is
// reported as (AWS reports ParameterPathFailure, IntrinsicFailure and
// NoChoiceMatched conditions under this name).
func runtimeError(format string, args ...any) *Error {
	return newError(ErrRuntime, format, args...)
}

// AsError returns err as a States Language *Error, wrapping foreign errors as
// States.Runtime.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e
	}
	return runtimeError("%s", err.Error())
}

// ErrorMatches reports whether a Retrier's or Catcher's ErrorEquals matches
// the error called name.
//
// States.ALL matches every error name except States.Runtime and
// States.DataLimitExceeded, which AWS documents as terminal errors that
// States.ALL cannot catch (they still match when listed explicitly). Use
// ValidErrorEquals at definition time: States.ALL must be the only element.
//
// Heartbeat timeouts: the States Language defines States.Timeout as "ran
// longer than TimeoutSeconds or failed to heartbeat", and AWS added the more
// specific States.HeartbeatTimeout for Retry/Catch. The caller passes
// name = States.HeartbeatTimeout for a heartbeat timeout; it is matched by
// "States.HeartbeatTimeout", by "States.Timeout" and by "States.ALL". A task
// timeout (TimeoutSeconds) is passed as States.Timeout and is not matched by
// "States.HeartbeatTimeout". What the caller records in the history is its
// own decision.
//
// States.TaskFailed is a wildcard too: "When used in a retry or catch,
// States.TaskFailed acts as a wildcard that matches any known error name
// except for States.Timeout" (AWS error handling guide), so it matches what
// States.ALL matches but for timeouts, heartbeat timeouts included.
func ErrorMatches(errorEquals []string, name string) bool {
	catchable := name != ErrRuntime && name != ErrDataLimitExceeded
	timeout := name == ErrTimeout || name == ErrHeartbeatTimeout
	for _, e := range errorEquals {
		switch {
		case e == name:
			return true
		case e == ErrALL && catchable:
			return true
		case e == ErrTaskFailed && catchable && !timeout:
			return true
		case e == ErrTimeout && name == ErrHeartbeatTimeout:
			return true
		}
	}
	return false
}

// ValidErrorEquals checks an ErrorEquals array at definition time: non-empty,
// no empty names, and States.ALL only as the sole (hence last) element.
func ValidErrorEquals(errorEquals []string) error {
	if len(errorEquals) == 0 {
		return errors.New("ErrorEquals must be a non-empty array")
	}
	for _, e := range errorEquals {
		if e == "" {
			return errors.New("ErrorEquals must not contain an empty error name")
		}
		if e == ErrALL && len(errorEquals) > 1 {
			return errors.New("States.ALL must appear alone in ErrorEquals")
		}
	}
	return nil
}
