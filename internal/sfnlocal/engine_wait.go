package sfnlocal

import (
	"errors"
	"time"

	"github.com/tollgate-dev/tollgate/internal/sfnlocal/asl"
)

// runWait computes the wake-up time from Seconds, Timestamp, SecondsPath or
// TimestampPath and sleeps on the clock; the output is ready beforehand.
func (s *Server) runWait(e *execution, th *thread, st *state) {
	env := s.env(e, th, nil)
	in, err := selectPath(th, st, th.Input.V, st.InputPath, env)
	if err != nil {
		s.stateFailed(e, th, st, err)
		return
	}
	wake, err := s.waitUntil(th, st, in, env)
	if err == nil {
		th.Output.V, err = selectPath(th, st, in, st.OutputPath, env)
	}
	if err != nil {
		s.stateFailed(e, th, st, err)
		return
	}
	now := s.clock.Now()
	if !wake.After(now) {
		s.waitEnded(e, th, st)
		return
	}
	th.Phase = phaseWait
	th.WakeAt = wake
	s.armThreadTimer(e, th, wake)
}

// waitEnded leaves a Wait state with the output computed when it began. Its
// Assign is evaluated now, on its effective input: the variables cannot have
// changed while the thread slept.
func (s *Server) waitEnded(e *execution, th *thread, st *state) {
	env := s.env(e, th, nil)
	in, err := selectPath(th, st, th.Input.V, st.InputPath, env)
	var assigned map[string]any
	if err == nil {
		assigned, err = evalAssign(th, st, st.assign, in, env)
	}
	if err != nil {
		s.stateFailed(e, th, st, err)
		return
	}
	s.stateSucceeded(e, th, st, th.Output.V, assigned)
}

// maxWaitSeconds is the longest delay AWS waits (2^31-1 seconds, about 68
// years): "Wait state delay is too long." beyond (LocalStack's
// test_wait.snapshot.json, test_timestamp_too_far_in_future_boundary).
const maxWaitSeconds = 1<<31 - 1

// waitUntil is when the Wait state st ends.
func (s *Server) waitUntil(th *thread, st *state, in any, env asl.Env) (time.Time, *asl.Error) {
	now := s.clock.Now()
	tooLong := stateRuntimeError(th, st, "Wait state delay is too long.")
	seconds := func(n int64) (time.Time, *asl.Error) {
		if n > maxWaitSeconds {
			return time.Time{}, tooLong
		}
		return now.Add(secondsDuration(n)), nil
	}
	var t time.Time
	switch {
	case st.Seconds != nil:
		return seconds(*st.Seconds)
	case st.SecondsPath != "":
		n, err := queryInt(th, st, "SecondsPath", st.SecondsPath, in, env)
		if err != nil {
			return time.Time{}, err
		}
		return seconds(n)
	case st.Timestamp != "":
		var err error
		if t, err = parseTimestamp(st.Timestamp); err != nil {
			return time.Time{}, asl.AsError(err)
		}
	default:
		v, err := asl.Query(st.TimestampPath, in, env)
		if errors.Is(err, asl.ErrNoMatch) {
			// Worded as AWS words a SecondsPath that selects nothing.
			return time.Time{}, stateRuntimeError(th, st, "The TimestampPath parameter does not reference an input value: %s", st.TimestampPath)
		}
		if err != nil {
			return time.Time{}, inState(th, st, asl.AsError(err))
		}
		str, _ := v.(string)
		if t, err = parseTimestamp(str); err != nil {
			return time.Time{}, stateRuntimeError(th, st, "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: %s == %s", st.TimestampPath, causeValue(v))
		}
	}
	if t.Sub(now) > maxWaitSeconds*time.Second {
		return time.Time{}, tooLong
	}
	return t, nil
}

// queryInt reads a non-negative whole number of seconds at a reference path
// (SecondsPath, TimeoutSecondsPath, HeartbeatSecondsPath). The causes are
// AWS's, recorded for SecondsPath (LocalStack's test_wait.snapshot.json,
// test_base_wait_seconds_path; test_logs.snapshot.json for a missing value)
// and for a missing TimeoutSecondsPath (test_base_scenarios.snapshot.json,
// test_invalid_jsonpath[ST.INVALID_JSONPATH_IN_TIMEOUTSECONDSPATH]).
func queryInt(th *thread, st *state, field, path string, in any, env asl.Env) (int64, *asl.Error) {
	v, err := asl.Query(path, in, env)
	switch {
	case errors.Is(err, asl.ErrNoMatch) && field == "SecondsPath":
		return 0, stateRuntimeError(th, st, "The %s parameter does not reference an input value: %s", field, path)
	case errors.Is(err, asl.ErrNoMatch):
		return 0, stateRuntimeError(th, st, "Invalid path '%s' : %s", path, missingCause(path, in, env))
	case err != nil:
		return 0, asl.AsError(err)
	}
	var n int64
	switch x := v.(type) {
	case int64:
		n = x
	case float64:
		if x != float64(int64(x)) {
			return 0, stateRuntimeError(th, st, "The %s parameter cannot be parsed as a long value: %s == %s", field, path, causeValue(v))
		}
		n = int64(x)
	default:
		return 0, stateRuntimeError(th, st, "The %s parameter cannot be parsed as a long value: %s == %s", field, path, causeValue(v))
	}
	if n < 0 {
		return 0, stateRuntimeError(th, st, "The %s parameter references a negative value: %s == %s", field, path, causeValue(v))
	}
	return n, nil
}
