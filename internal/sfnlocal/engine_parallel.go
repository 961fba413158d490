package sfnlocal

// runParallel starts one thread per branch, all on the effective input.
func (s *Server) runParallel(e *execution, th *thread, st *state) {
	in, err := s.stateInput(e, th, st, nil)
	if err != nil {
		s.stateFailed(e, th, st, err)
		return
	}
	started := e.record(th, s.clock.Now(), "ParallelStateStarted", nil)
	th.Phase = phaseChildren
	th.Children = make([]*thread, len(st.Branches))
	th.Results = make([]jsonValue, len(st.Branches))
	for i, branch := range st.Branches {
		child := e.newThread(th, branch, i, in)
		child.LastEvent = started
		th.Children[i] = child
		e.ready = append(e.ready, child)
	}
}

// parallelChildEnded collects a branch result; the first failed branch
// cancels its siblings and fails the Parallel state with its own error.
func (s *Server) parallelChildEnded(e *execution, th *thread, st *state, child *thread) {
	th.LastEvent = child.LastEvent
	if child.Phase == phaseFailed {
		s.endChildren(e, th)
		e.record(th, s.clock.Now(), "ParallelStateFailed", nil)
		s.stateFailed(e, th, st, child.Failure)
		return
	}
	th.Results[child.Index] = child.Output
	if !allSucceeded(th.Children) {
		return
	}
	s.endChildren(e, th)
	e.record(th, s.clock.Now(), "ParallelStateSucceeded", nil)
	s.childrenSucceeded(e, th, st)
}

// childrenSucceeded turns the ordered results of a Parallel or Map state
// into its output.
func (s *Server) childrenSucceeded(e *execution, th *thread, st *state) {
	results := make([]any, len(th.Results))
	for i, r := range th.Results {
		results[i] = r.V
	}
	th.Results = nil
	out, assigned, err := s.stateOutput(e, th, st, results)
	if err != nil {
		s.stateFailed(e, th, st, err)
		return
	}
	s.stateSucceeded(e, th, st, out, assigned)
}

func allSucceeded(children []*thread) bool {
	for _, c := range children {
		if c == nil || c.Phase != phaseSucceeded {
			return false
		}
	}
	return true
}

// endChildren aborts the children still running and forgets them all.
func (s *Server) endChildren(e *execution, th *thread) {
	for _, c := range th.Children {
		if c != nil {
			s.abortThread(c)
			e.forget(c)
		}
	}
	th.Children = nil
}

// forget drops an ended thread and its descendants from the index.
func (e *execution) forget(th *thread) {
	delete(e.threads, th.ID)
	for _, c := range th.Children {
		if c != nil {
			e.forget(c)
		}
	}
}
