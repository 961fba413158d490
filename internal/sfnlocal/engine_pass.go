package sfnlocal

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
	env := s.env(e, th, nil)
	assigned, err := evalAssign(th, st, st.assign, result, env)
	if err == nil {
		var merged any
		if merged, err = applyResultPath(th.Input.V, result, st.ResultPath); err == nil {
			result, err = selectPath(th, st, merged, st.OutputPath, env)
		}
	}
	if err != nil {
		s.stateFailed(e, th, st, err)
		return
	}
	s.stateSucceeded(e, th, st, result, assigned)
}

// runSucceed ends the thread with InputPath then OutputPath of its input.
func (s *Server) runSucceed(e *execution, th *thread, st *state) {
	env := s.env(e, th, nil)
	out, err := selectPath(th, st, th.Input.V, st.InputPath, env)
	if err == nil {
		out, err = selectPath(th, st, out, st.OutputPath, env)
	}
	if err != nil {
		s.stateFailed(e, th, st, err)
		return
	}
	s.stateSucceeded(e, th, st, out, nil)
}
