package sfnlocal

import (
	"math"
	"strconv"

	"github.com/tollgate-dev/tollgate/internal/sfnlocal/asl"
)

// runMap (inline mode) selects the items, builds each iteration input with
// ItemSelector (or legacy Parameters) and starts up to MaxConcurrency
// iterations (0: all).
func (s *Server) runMap(e *execution, th *thread, st *state) {
	in, err := selectPath(th, st, th.Input.V, st.InputPath, s.env(e, th, nil))
	if err != nil {
		s.stateFailed(e, th, st, err)
		return
	}
	items, err := mapItems(th, st, in, s.env(e, th, nil))
	if err == nil {
		th.Concurrency, err = mapConcurrency(th, st, in, s.env(e, th, nil))
	}
	if err != nil {
		s.stateFailed(e, th, st, err)
		return
	}
	selector := st.itemSelector
	if selector == nil {
		selector = st.params
	}
	th.Items = make([]jsonValue, len(items))
	for i, item := range items {
		ctx := s.env(e, th, map[string]any{"Map": map[string]any{"Item": map[string]any{"Index": int64(i), "Value": item}}})
		if selector == nil {
			th.Items[i] = jsonValue{V: item}
			continue
		}
		v, err := selector.apply(th, st, in, ctx)
		if err != nil {
			s.stateFailed(e, th, st, err)
			return
		}
		th.Items[i] = jsonValue{V: v}
	}
	e.record(th, s.clock.Now(), "MapStateStarted", mapStateStartedDetails{Length: len(items)})
	th.Phase = phaseChildren
	th.Children = make([]*thread, len(items))
	th.Results = make([]jsonValue, len(items))
	th.Started = 0
	if len(items) == 0 {
		s.mapSucceeded(e, th, st)
		return
	}
	s.startIterations(e, th, st)
}

// mapItems selects the items; what is no array fails as AWS words it
// (LocalStack's test_base_scenarios.snapshot.json,
// test_map_state_items_input_types).
func mapItems(th *thread, st *state, in any, env asl.Env) ([]any, *asl.Error) {
	v, err := statePath(th, st, st.ItemsPath.orRoot(), in, env)
	if err != nil {
		return nil, err
	}
	items, ok := v.([]any)
	if !ok {
		return nil, stateRuntimeError(th, st, "Map state input must be an array but was: %s", jsonValue{V: v}.text())
	}
	return items, nil
}

// mapConcurrency is MaxConcurrency, or what MaxConcurrencyPath reads: a
// whole number, or a string of one (AWS ran "1" when recorded; LocalStack's
// test_reference_in_map_state[MAP_STATE_REFERENCE_IN_MAX_CONCURRENCY_PATH]).
// Anything else fails as AWS words it (test_max_concurrency_path[NoNumber]).
func mapConcurrency(th *thread, st *state, in any, env asl.Env) (int64, *asl.Error) {
	if st.MaxConcurrencyPath == "" {
		return st.MaxConcurrency, nil
	}
	v, err := statePath(th, st, st.MaxConcurrencyPath, in, env)
	if err != nil {
		return 0, err
	}
	switch n := v.(type) {
	case int64:
		if n >= 0 {
			return n, nil
		}
	case float64:
		if n >= 0 && n == math.Trunc(n) {
			return int64(n), nil
		}
	case string:
		if i, perr := strconv.ParseInt(n, 10, 64); perr == nil && i >= 0 {
			return i, nil
		}
	}
	return 0, stateRuntimeError(th, st, "The MaxConcurrencyPath field refers to value \"%s\" which is not a valid integer: %s", causeValue(v), st.MaxConcurrencyPath)
}

// maxInlineIterations is how many iterations of an inline Map AWS runs at once, whatever
// MaxConcurrency says: "In this mode, the Map state supports up to 40 concurrent iterations"
// (Step Functions developer guide, "Using Map state in Inline mode").
const maxInlineIterations = 40

// startIterations starts iterations while MaxConcurrency and the inline limit allow.
func (s *Server) startIterations(e *execution, th *thread, st *state) {
	limit, c := maxInlineIterations, th.Concurrency
	if st.MaxConcurrencyPath == "" {
		c = st.MaxConcurrency // also for a Map saved before Concurrency was
	}
	if c > 0 && c < maxInlineIterations {
		limit = int(c)
	}
	for th.Started < len(th.Items) && running(th.Children) < limit {
		i := th.Started
		th.Started++
		started := e.record(th, s.clock.Now(), "MapIterationStarted", mapIterationDetails{Name: st.name, Index: i})
		child := e.newThread(th, st.ItemProcessor, i, th.Items[i].V)
		child.LastEvent = started
		th.Children[i] = child
		e.ready = append(e.ready, child)
	}
}

func running(children []*thread) int {
	n := 0
	for _, c := range children {
		if c != nil && !c.ended() {
			n++
		}
	}
	return n
}

// mapChildEnded collects an iteration result; a failed iteration aborts the
// others and fails the Map state with its error.
func (s *Server) mapChildEnded(e *execution, th *thread, st *state, child *thread) {
	th.LastEvent = child.LastEvent
	now := s.clock.Now()
	details := mapIterationDetails{Name: st.name, Index: child.Index}
	if child.Phase == phaseFailed {
		e.record(th, now, "MapIterationFailed", details)
		for _, c := range th.Children {
			if c != nil && !c.ended() {
				s.abortThread(c)
				e.record(th, now, "MapIterationAborted", mapIterationDetails{Name: st.name, Index: c.Index})
			}
		}
		s.endChildren(e, th)
		th.Items = nil
		e.record(th, now, "MapStateFailed", nil)
		s.stateFailed(e, th, st, child.Failure)
		return
	}
	e.record(th, now, "MapIterationSucceeded", details)
	th.Results[child.Index] = child.Output
	e.forget(child)
	s.startIterations(e, th, st)
	if th.Started == len(th.Items) && allSucceeded(th.Children) {
		s.mapSucceeded(e, th, st)
	}
}

func (s *Server) mapSucceeded(e *execution, th *thread, st *state) {
	th.Children = nil
	th.Items = nil
	e.record(th, s.clock.Now(), "MapStateSucceeded", nil)
	s.childrenSucceeded(e, th, st)
}
