package sfnlocal

import (
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

// bracketPath writes a reference path the way AWS's causes show it:
// "$.a.b[0]" as "$['a']['b'][0]".
func bracketPath(path string) string {
	var b strings.Builder
	b.WriteString("$")
	for _, s := range asl.PathSteps(path) {
		if s.IsIndex {
			fmt.Fprintf(&b, "[%d]", s.Index)
		} else {
			fmt.Fprintf(&b, "['%s']", s.Key)
		}
	}
	return b.String()
}
