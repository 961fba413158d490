package asl

import (
	"errors"
	"fmt"
	"strings"
)

// Template evaluates a payload template (Parameters, ItemSelector,
// ResultSelector). A field whose name ends in ".$" must hold a string that is
// a Path (evaluated against input, or ctx for "$$") or an intrinsic function
// invocation; the field is output without the ".$" suffix. Nested objects
// and arrays are processed recursively; other values are copied.
//
// Errors are States.Runtime *Errors naming the field, which is how AWS
// reports both path failures (a Path selecting nothing additionally matches
// errors.Is(err, ErrNoMatch)) and intrinsic failures; the
// States.ParameterPathFailure and States.IntrinsicFailure names are reserved
// by AWS and not produced.
func Template(tmpl any, input, ctx any) (any, error) {
	switch t := tmpl.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, v := range t {
			name, dynamic := strings.CutSuffix(k, ".$")
			var val any
			var err error
			if dynamic {
				val, err = evalDynamicField(k, v, input, ctx)
			} else {
				val, err = Template(v, input, ctx)
			}
			if err != nil {
				return nil, err
			}
			out[name] = val
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, v := range t {
			val, err := Template(v, input, ctx)
			if err != nil {
				return nil, err
			}
			out[i] = val
		}
		return out, nil
	default:
		return tmpl, nil
	}
}

// evalDynamicField evaluates the value of a "<name>.$" field.
func evalDynamicField(key string, v any, input, ctx any) (any, error) {
	s, ok := v.(string)
	if !ok {
		return nil, runtimeError("the value of field %q must be a string", key)
	}
	var val any
	var err error
	switch {
	case strings.HasPrefix(s, "$"):
		val, err = Query(s, input, ctx)
	case IsIntrinsic(s):
		val, err = EvalIntrinsic(s, input, ctx)
	default:
		return nil, runtimeError("the value %q of field %q is neither a path nor an intrinsic function", s, key)
	}
	if errors.Is(err, ErrNoMatch) && !IsIntrinsic(s) {
		// AWS's wording (recorded in LocalStack's
		// test_base_scenarios.snapshot.json, test_invalid_jsonpath), the
		// state input shown for "$$" paths too.
		text, _ := MarshalJSON(input)
		return nil, &Error{Name: ErrRuntime, Cause: fmt.Sprintf("The JSONPath '%s' specified for the field '%s' could not be found in the input '%s'", s, key, text), wrapped: ErrNoMatch}
	}
	if err != nil {
		e := AsError(err)
		return nil, &Error{Name: e.Name, Cause: fmt.Sprintf("field %q: %s", key, e.Cause), wrapped: e.wrapped}
	}
	return val, nil
}

// ValidTemplate checks a payload template at definition time: every ".$"
// field holds a valid Path or intrinsic invocation, and no field name occurs
// both with and without the ".$" suffix.
func ValidTemplate(tmpl any) error {
	switch t := tmpl.(type) {
	case map[string]any:
		for k, v := range t {
			name, dynamic := strings.CutSuffix(k, ".$")
			if !dynamic {
				if err := ValidTemplate(v); err != nil {
					return fmt.Errorf("%s: %w", k, err)
				}
				continue
			}
			if name == "" {
				return errors.New(`field name ".$" has no name before the suffix`)
			}
			if _, dup := t[name]; dup {
				return fmt.Errorf("field %q is given both as %q and %q", name, name, k)
			}
			if err := validDynamicValue(v); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
		}
	case []any:
		for i, v := range t {
			if err := ValidTemplate(v); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
	}
	return nil
}

func validDynamicValue(v any) error {
	s, ok := v.(string)
	switch {
	case !ok:
		return errors.New("value must be a string")
	case strings.HasPrefix(s, "$"):
		return ValidPath(s)
	case IsIntrinsic(s):
		return ValidIntrinsic(s)
	default:
		return fmt.Errorf("value %q is neither a path nor an intrinsic function", s)
	}
}
