package sfnlocal

import (
	"net/http"
	"runtime/debug"
)

// internalFailureMessage is the wording of AWS's common error InternalFailure
// (Step Functions API reference, Common Errors), answered with HTTP 500.
const internalFailureMessage = "The request processing has failed because of an unknown error, exception or failure."

func errInternalFailure() *APIError {
	return NewAPIError(http.StatusInternalServerError, "InternalFailure", internalFailureMessage)
}

// Panics counts the defects (panics) recovered so far, in handlers and in
// timer callbacks: each one is a bug of sfnlocal, logged with its stack.
func (s *Server) Panics() int64 { return s.panics.Load() }

// recoverRequest, deferred by ServeHTTP, turns a panic of a handler into the
// answer AWS gives to an internal error, instead of the dropped connection
// (EOF) net/http would leave the client with. http.ErrAbortHandler is how a
// fault drops a connection on purpose: it goes on.
func (s *Server) recoverRequest(w http.ResponseWriter, op string) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	s.notePanic(v, "op", op)
	writeAPIError(w, errInternalFailure())
}

// recoverTimer, deferred by every timer callback, keeps a panic there from
// ending the process (a RealClock timer runs in a goroutine of its own).
func (s *Server) recoverTimer(what string) {
	if v := recover(); v != nil {
		s.notePanic(v, "timer", what)
	}
}

func (s *Server) notePanic(v any, where, name string) {
	s.panics.Add(1)
	s.log.Error("sfnlocal: panic recovered", where, name, "panic", v, "stack", string(debug.Stack()))
}
