package plugin

import (
	"errors"
	"fmt"
	"io"
)

// Exit codes of kubectl-tollgate. `wait` exits with the code of the request's outcome; every
// command exits ExitError when it could not do what it was asked (a request not found, a
// decision refused, a flag that does not parse, the API server unreachable).
const (
	// ExitApproved: the command did what it was asked; for `wait`, the request is Approved.
	ExitApproved = 0
	// ExitError: an error (not found, refused, forbidden, bad flags, API server unreachable).
	ExitError = 1
	// ExitRejected: `wait` saw the request Rejected.
	ExitRejected = 2
	// ExitExpired: `wait` saw the request Expired (its spec.timeout passed without a verdict).
	ExitExpired = 3
	// ExitFailed: `wait` saw the request Failed (the execution could not start or failed).
	ExitFailed = 4
	// ExitAborted: `wait` saw the request Aborted (its execution was stopped outside tollgate).
	ExitAborted = 5
	// ExitTimedOut: `wait --timeout` ran out before the request had an outcome.
	ExitTimedOut = 6
)

// exitError ends a command with a code other than ExitError. Its message, when not empty, is
// printed like any error; an outcome `wait` already printed carries none.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit code %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// withCode makes err end the command with code (err may be nil: nothing more to print).
func withCode(code int, err error) error { return &exitError{code: code, err: err} }

// report prints err as kubectl prints its errors and returns the process's exit code.
func report(w io.Writer, err error) int {
	if err == nil {
		return ExitApproved
	}
	code := ExitError
	if e, ok := errors.AsType[*exitError](err); ok {
		code = e.code
		if e.err == nil {
			return code
		}
	}
	_, _ = fmt.Fprintf(w, "error: %v\n", err)
	return code
}
