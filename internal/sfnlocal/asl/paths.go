package asl

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ohler55/ojg/jp"
)

// step is one node selection of a Reference Path: an object key or an array
// index.
type step struct {
	key     string
	index   int
	isIndex bool
}

// compiledPath is a parsed Path or Reference Path.
type compiledPath struct {
	raw     string
	context bool // "$$...": evaluated against the context object
	// variable names the workflow variable a "$name..." path starts from
	// (the rest is evaluated against its value); "" for other paths.
	variable string
	expr     jp.Expr // always starts with jp.Root
	steps    []step  // the selections when definite
	// definite reports a Reference Path: only object keys and array indexes,
	// hence at most one selected node.
	definite bool
}

// compilePath parses a Path ("$...", "$$..." or a variable reference
// "$name..."), using JSONPath syntax.
func compilePath(p string) (*compiledPath, error) {
	cp := &compiledPath{raw: p}
	src := p
	if strings.HasPrefix(p, "$$") {
		cp.context = true
		src = p[1:]
	} else if name, rest, ok := cutVariable(p); ok {
		if name == reservedVariable {
			return nil, fmt.Errorf("path %q: $%s is not available in JSONPath", p, name)
		}
		cp.variable = name
		src = "$" + rest
	}
	if !strings.HasPrefix(src, "$") || strings.HasPrefix(src, "$$") {
		return nil, fmt.Errorf("path %q must begin with '$'", p)
	}
	x, err := jp.ParseString(src)
	if err != nil {
		return nil, fmt.Errorf("path %q: %w", p, err)
	}
	if len(x) == 0 || x[0] != jp.Root('$') {
		return nil, fmt.Errorf("path %q must begin with '$'", p)
	}
	if _, ok := x[len(x)-1].(jp.Descent); ok {
		return nil, fmt.Errorf("path %q: '..' must be followed by a selector", p)
	}
	cp.expr = x
	cp.definite = true
	for _, f := range x[1:] {
		switch t := f.(type) {
		case jp.Child:
			cp.steps = append(cp.steps, step{key: string(t)})
		case jp.Nth:
			cp.steps = append(cp.steps, step{index: int(t), isIndex: true})
		default:
			cp.definite = false
			cp.steps = nil
			return cp, nil
		}
	}
	return cp, nil
}

// compileReferencePath parses a Reference Path: a Path that can only identify
// a single node (object keys and non-negative array indexes).
func compileReferencePath(p string) (*compiledPath, error) {
	cp, err := compilePath(p)
	if err != nil {
		return nil, err
	}
	if !cp.definite {
		return nil, fmt.Errorf("reference path %q may only contain object keys and array indexes", p)
	}
	for _, s := range cp.steps {
		if s.isIndex && s.index < 0 {
			return nil, fmt.Errorf("reference path %q must not use negative array indexes", p)
		}
	}
	return cp, nil
}

// ValidPath checks the syntax of a Path at definition time.
func ValidPath(p string) error {
	_, err := compilePath(p)
	return err
}

// ValidReferencePath checks the syntax of a Reference Path at definition
// time. Context object paths ("$$...") are accepted; see ValidResultPath.
func ValidReferencePath(p string) error {
	_, err := compileReferencePath(p)
	return err
}

// ValidResultPath checks a (non-null) ResultPath at definition time: a
// Reference Path into the state input, so "$$" is rejected.
func ValidResultPath(p string) error {
	_, err := compileResultPath(p)
	return err
}

func compileResultPath(p string) (*compiledPath, error) {
	cp, err := compileReferencePath(p)
	if err != nil {
		return nil, err
	}
	if cp.context {
		return nil, errors.New("ResultPath must not reference the context object")
	}
	if cp.variable != "" {
		return nil, errors.New("ResultPath must not reference a variable")
	}
	return cp, nil
}

// Query evaluates a Path against input, against the context object when it
// begins with "$$", or against a workflow variable for "$name". ctx is the
// context object, or an Env that holds it with the variables.
//
// A Reference Path ("$", "$.a.b", "$.list[0]", "$['k']") yields the single
// selected value; if it selects nothing the error is a States.Runtime *Error
// for which errors.Is(err, ErrNoMatch) holds. Any other Path (wildcards,
// filters, slices, unions, descent) yields a []any of all matches, possibly
// empty. A syntactically invalid path yields a States.Runtime *Error without
// ErrNoMatch. The result may share structure with input/ctx; this package
// never mutates values.
func Query(path string, input, ctx any) (any, error) {
	cp, err := compilePath(path)
	if err != nil {
		return nil, runtimeError("invalid path: %v", err)
	}
	return cp.query(input, ctx)
}

// root is the value cp starts from: input, the context object or a
// variable; false for a variable that is not defined.
func (cp *compiledPath) root(input, ctx any) (any, bool) {
	env := envOf(ctx)
	switch {
	case cp.context:
		return env.Context, true
	case cp.variable != "":
		v, ok := env.Vars[cp.variable]
		return v, ok
	}
	return input, true
}

func (cp *compiledPath) query(input, ctx any) (any, error) {
	root, ok := cp.root(input, ctx)
	if !ok {
		return nil, &Error{Name: ErrRuntime, Cause: fmt.Sprintf("the variable $%s is not defined", cp.variable), wrapped: ErrNoMatch}
	}
	if !cp.definite {
		matches := cp.expr.Get(root)
		return append([]any{}, matches...), nil
	}
	v, ok := lookup(root, cp.steps)
	if !ok {
		return nil, noMatchError(cp.raw)
	}
	return v, nil
}

// lookup follows steps from v. Negative indexes count from the end.
func lookup(v any, steps []step) (any, bool) {
	for _, s := range steps {
		if !s.isIndex {
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = m[s.key]; !ok {
				return nil, false
			}
			continue
		}
		a, ok := v.([]any)
		if !ok {
			return nil, false
		}
		i := s.index
		if i < 0 {
			i += len(a)
		}
		if i < 0 || i >= len(a) {
			return nil, false
		}
		v = a[i]
	}
	return v, true
}

// PathStep is one selection of a Reference Path: an object key, or an array
// index when IsIndex.
type PathStep struct {
	Key     string
	Index   int
	IsIndex bool
}

// PathSteps returns the selections of a Reference Path in order; nil for the
// root, for any other Path and for an invalid one.
func PathSteps(p string) []PathStep {
	cp, err := compilePath(p)
	if err != nil || !cp.definite {
		return nil
	}
	out := make([]PathStep, len(cp.steps))
	for i, s := range cp.steps {
		out[i] = PathStep{Key: s.key, Index: s.index, IsIndex: s.isIndex}
	}
	return out
}

// Matched reports how many selections of the Reference Path p succeed, from
// its root (input, the context object or a variable, as Query reads them),
// before one selects nothing: len(PathSteps(p)) when the whole path
// matches, -1 when the root itself is missing (an undefined variable) or p
// is no Reference Path. Causes name the selection that failed.
func Matched(p string, input, ctx any) int {
	cp, err := compilePath(p)
	if err != nil || !cp.definite {
		return -1
	}
	root, ok := cp.root(input, ctx)
	if !ok {
		return -1
	}
	for i := range cp.steps {
		if _, ok := lookup(root, cp.steps[:i+1]); !ok {
			return i
		}
	}
	return len(cp.steps)
}
