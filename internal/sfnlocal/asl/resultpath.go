package asl

import "maps"

// SetResult returns input with result placed at the Reference Path
// resultPath. "$" returns result itself. Missing intermediate object fields
// are created; input is never mutated (the modified spine is copied). When
// the path is not a Reference Path into the input, or cannot be applied (an
// intermediate value is not an object, an array index is out of range), the
// error is States.ResultPathMatchFailure. A null ResultPath (discard the
// result) is the caller's business.
func SetResult(resultPath string, input, result any) (any, error) {
	cp, err := compileResultPath(resultPath)
	if err != nil {
		return nil, newError(ErrResultPathMatchFailure, "invalid ResultPath: %v", err)
	}
	out, ok := setAt(input, true, cp.steps, result)
	if !ok {
		return nil, newError(ErrResultPathMatchFailure, "unable to apply ResultPath %q to the state input", resultPath)
	}
	return out, nil
}

// setAt returns a copy of v with value stored at steps. present is false when
// v is a missing object field, which a key step turns into a new object.
func setAt(v any, present bool, steps []step, value any) (any, bool) {
	if len(steps) == 0 {
		return value, true
	}
	s := steps[0]
	if s.isIndex {
		a, ok := v.([]any)
		if !ok || s.index >= len(a) {
			return nil, false
		}
		child, ok := setAt(a[s.index], true, steps[1:], value)
		if !ok {
			return nil, false
		}
		out := append([]any(nil), a...)
		out[s.index] = child
		return out, true
	}
	src, ok := v.(map[string]any)
	if !ok && present {
		return nil, false
	}
	old, has := src[s.key]
	child, ok := setAt(old, has, steps[1:], value)
	if !ok {
		return nil, false
	}
	out := make(map[string]any, len(src)+1)
	maps.Copy(out, src)
	out[s.key] = child
	return out, true
}
