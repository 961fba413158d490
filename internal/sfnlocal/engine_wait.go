package sfnlocal

import (
	"fmt"
	"time"

	"github.com/tollgate-dev/tollgate/internal/sfnlocal/asl"
)

// runWait computes the wake-up time from Seconds, Timestamp, SecondsPath or
// TimestampPath and sleeps on the clock; the output is ready beforehand.
func (s *Server) runWait(e *execution, th *thread, st *state) {
	in, err := selectPath(th.Input.V, st.InputPath)
	if err != nil {
		s.stateFailed(e, th, st, err)
		return
	}
	wake, err := s.waitUntil(st, in)
	if err == nil {
		th.Output.V, err = selectPath(in, st.OutputPath)
	}
	if err != nil {
		s.stateFailed(e, th, st, err)
		return
	}
	now := s.clock.Now()
	if !wake.After(now) {
		s.stateSucceeded(e, th, st, th.Output.V)
		return
	}
	th.Phase = phaseWait
	th.WakeAt = wake
	s.armThreadTimer(e, th, wake)
}

func (s *Server) waitUntil(st *state, in any) (time.Time, *asl.Error) {
	now := s.clock.Now()
	switch {
	case st.Seconds != nil:
		return now.Add(secondsDuration(*st.Seconds)), nil
	case st.Timestamp != "":
		t, err := parseTimestamp(st.Timestamp)
		return t, asl.AsError(err)
	case st.SecondsPath != "":
		n, err := queryInt(st.SecondsPath, in)
		if err != nil {
			return time.Time{}, err
		}
		return now.Add(secondsDuration(n)), nil
	}
	v, err := asl.Query(st.TimestampPath, in, nil)
	if err != nil {
		return time.Time{}, asl.AsError(err)
	}
	str, _ := v.(string)
	t, perr := parseTimestamp(str)
	if perr != nil {
		return time.Time{}, &asl.Error{Name: asl.ErrRuntime, Cause: fmt.Sprintf("The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: %s == %v", st.TimestampPath, v)}
	}
	return t, nil
}

// queryInt reads a non-negative integer at a reference path (SecondsPath,
// TimeoutSecondsPath, HeartbeatSecondsPath).
func queryInt(path string, in any) (int64, *asl.Error) {
	v, err := asl.Query(path, in, nil)
	if err != nil {
		return 0, asl.AsError(err)
	}
	switch n := v.(type) {
	case int64:
		if n >= 0 {
			return n, nil
		}
	case float64:
		if n >= 0 && n == float64(int64(n)) {
			return int64(n), nil
		}
	}
	return 0, &asl.Error{Name: asl.ErrRuntime, Cause: fmt.Sprintf("The value at %s must be a non-negative integer, got %v", path, v)}
}
