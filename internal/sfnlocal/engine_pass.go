package sfnlocal

import (
	"fmt"

	"github.com/tollgate-dev/tollgate/internal/sfnlocal/asl"
)

// runPass: InputPath, Parameters, Result (default: the effective input),
// ResultPath, OutputPath.
func (s *Server) runPass(e *execution, th *thread, st *state) {
	in, err := s.stateInput(e, th, st, nil)
	if err != nil {
		s.stateFailed(e, th, st, err)
		return
	}
	result := in
	if len(st.Result) > 0 {
		result = st.result
	}
	merged, err := applyResultPath(th.Input.V, result, st.ResultPath)
	if err == nil {
		result, err = selectPath(merged, st.OutputPath)
	}
	if err != nil {
		s.stateFailed(e, th, st, err)
		return
	}
	s.stateSucceeded(e, th, st, result)
}

// runSucceed ends the thread with InputPath then OutputPath of its input.
func (s *Server) runSucceed(e *execution, th *thread, st *state) {
	out, err := selectPath(th.Input.V, st.InputPath)
	if err == nil {
		out, err = selectPath(out, st.OutputPath)
	}
	if err != nil {
		s.stateFailed(e, th, st, err)
		return
	}
	s.stateSucceeded(e, th, st, out)
}

// runFail fails the thread with Error/Cause or ErrorPath/CausePath.
func (s *Server) runFail(e *execution, th *thread, st *state) {
	name, cause := st.Error, st.Cause
	ctx := s.contextObject(e, th, nil)
	for _, f := range []struct {
		path string
		dst  *string
	}{{st.ErrorPath, &name}, {st.CausePath, &cause}} {
		if f.path == "" {
			continue
		}
		v, err := asl.Query(f.path, th.Input.V, ctx)
		if err != nil {
			s.stateFailed(e, th, st, asl.AsError(err))
			return
		}
		str, ok := v.(string)
		if !ok {
			s.stateFailed(e, th, st, &asl.Error{Name: asl.ErrRuntime, Cause: fmt.Sprintf("The path %s of state '%s' must select a string", f.path, st.name)})
			return
		}
		*f.dst = str
	}
	s.threadEnded(e, th, phaseFailed, nil, &asl.Error{Name: name, Cause: cause})
}
