package sfnlocal

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/sfnlocal/asl"
)

// The causes of the errors the engine raises itself follow AWS's wording,
// as recorded from real AWS (LocalStack's snapshot tests, issue threads):
// a state's runtime error names the state and its StateEntered event.

// stateRuntimeError is a States.Runtime error of st, as AWS words it:
// "An error occurred while executing the state '<name>' (entered at the
// event id #<id>). <detail>".
func stateRuntimeError(th *thread, st *state, format string, args ...any) *asl.Error {
	return &asl.Error{Name: asl.ErrRuntime, Cause: fmt.Sprintf("An error occurred while executing the state '%s' (entered at the event id #%d). ", st.name, th.EnteredEvent) + fmt.Sprintf(format, args...)}
}

// historyLimitCause is AWS's cause when an execution reaches the quota of
// events in a history (recorded with get-execution-history in
// floci-io/floci issue #2734; quoted in loads/ardere issue #86).
var historyLimitCause = fmt.Sprintf("The execution reached the maximum number of history events (%d).", maxHistoryEvents)

// closingEvents are the events that end an execution: the only ones that
// may be its last, 25,000th event.
var closingEvents = map[string]bool{
	"ExecutionSucceeded": true, "ExecutionFailed": true, "ExecutionAborted": true, "ExecutionTimedOut": true,
}

// historyFull reports whether the next event would be the last one the
// quota allows: AWS makes that one the ExecutionFailed (its event 25,000 is
// the failure, chained to event 24,999).
func (e *execution) historyFull() bool { return len(e.Events) >= maxHistoryEvents-1 }

// inState names st in the cause of a States.Runtime error its data
// processing raised (a template, an intrinsic, a path), as AWS does.
func inState(th *thread, st *state, err *asl.Error) *asl.Error {
	if err == nil || err.Name != asl.ErrRuntime || strings.HasPrefix(err.Cause, "An error occurred while executing the state") {
		return err
	}
	return stateRuntimeError(th, st, "%s", err.Cause)
}

// statePath evaluates a path field of st (InputPath, OutputPath, ItemsPath)
// on v; one that selects nothing fails as AWS words it.
func statePath(th *thread, st *state, path string, v any, env asl.Env) (any, *asl.Error) {
	out, err := asl.Query(path, v, env)
	if errors.Is(err, asl.ErrNoMatch) {
		return nil, stateRuntimeError(th, st, "Invalid path '%s' : %s", path, missingCause(path, v, env))
	}
	return out, inState(th, st, asl.AsError(err))
}

// failHistoryFull ends a running execution whose history is full.
func (s *Server) failHistoryFull(e *execution) {
	e.overflow = false
	s.finishExecution(e, phaseFailed, nil, &asl.Error{Name: asl.ErrRuntime, Cause: historyLimitCause})
}

// causeValue shows a value in a cause as AWS does: a string as it is, any
// other value as JSON.
func causeValue(v any) string {
	if str, ok := v.(string); ok {
		return str
	}
	return jsonValue{V: v}.text()
}

// missingCause says which selection of a path found nothing, as AWS's causes
// do (recorded in LocalStack's test_base_scenarios.snapshot.json:
// test_invalid_jsonpath, "No results for path: $['NoSuchInputPath']" when the
// last selection fails; test_catch_states_runtime, "Missing property in path
// $['no']" for "$.no.such.result.path").
func missingCause(path string, input any, env asl.Env) string {
	steps := asl.PathSteps(path)
	n := asl.Matched(path, input, env)
	if n < 0 || n >= len(steps)-1 {
		return "No results for path: " + bracketPath(steps)
	}
	return "Missing property in path " + bracketPath(steps[:n+1])
}

// bracketPath writes the selections of a reference path the way AWS's
// causes show them: "$.a.b[0]" as "$['a']['b'][0]".
func bracketPath(steps []asl.PathStep) string {
	var b strings.Builder
	b.WriteString("$")
	for _, s := range steps {
		if s.IsIndex {
			fmt.Fprintf(&b, "[%d]", s.Index)
		} else {
			fmt.Fprintf(&b, "['%s']", s.Key)
		}
	}
	return b.String()
}
