package sfnlocal

import (
	"errors"
	"fmt"

	"github.com/tollgate-dev/tollgate/internal/sfnlocal/asl"
)

// runFail fails the thread with Error/Cause or ErrorPath/CausePath.
func (s *Server) runFail(e *execution, th *thread, st *state) {
	name, cause := st.Error, st.Cause
	ctx := s.env(e, th, nil)
	for _, f := range []struct {
		field, expr string
		dst         *string
	}{{"ErrorPath", st.ErrorPath, &name}, {"CausePath", st.CausePath, &cause}} {
		if f.expr == "" {
			continue
		}
		v, err := s.evalStringField(th, st, f.field, f.expr, th.Input.V, ctx)
		if err != nil {
			s.stateFailed(e, th, st, err)
			return
		}
		*f.dst = v
	}
	s.threadEnded(e, th, phaseFailed, nil, &asl.Error{Name: name, Cause: cause})
}

// evalStringField evaluates a field that names a string by a reference path
// or an intrinsic function (ErrorPath, CausePath). A path that selects
// nothing fails as AWS words it (recorded in LocalStack's
// test_base_scenarios.snapshot.json, test_invalid_jsonpath).
func (s *Server) evalStringField(th *thread, st *state, field, expr string, input any, ctx asl.Env) (string, *asl.Error) {
	var v any
	var err error
	if asl.IsIntrinsic(expr) {
		v, err = asl.EvalIntrinsic(expr, input, ctx)
	} else {
		v, err = asl.Query(expr, input, ctx)
	}
	if errors.Is(err, asl.ErrNoMatch) && !asl.IsIntrinsic(expr) {
		return "", &asl.Error{Name: asl.ErrRuntime, Cause: fmt.Sprintf("An error occurred while executing the state '%s' (entered at the event id #%d). The JSONPath '%s' specified for the field '%s' could not be found in the input '%s'", st.name, th.LastEvent, expr, field, jsonValue{V: input}.text())}
	}
	if err != nil {
		return "", asl.AsError(err)
	}
	str, ok := v.(string)
	if !ok {
		return "", &asl.Error{Name: asl.ErrRuntime, Cause: fmt.Sprintf("An error occurred while executing the state '%s' (entered at the event id #%d). The value of the field '%s' must be a string: %s", st.name, th.LastEvent, field, jsonValue{V: v}.text())}
	}
	return str, nil
}
