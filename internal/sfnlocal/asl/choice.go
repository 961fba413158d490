package asl

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// valueKind is the data type a comparison operator works on.
type valueKind int

const (
	kindString valueKind = iota
	kindNumeric
	kindBoolean
	kindTimestamp
	kindTest // Is* operators: the operand is a boolean expectation
)

// operator describes one Choice rule comparison operator.
type operator struct {
	kind    valueKind
	outcome func(cmp int) bool // accepts the three-way comparison result
	path    bool               // the operand is a Path (the "...Path" variants)
}

var comparisons = map[string]func(int) bool{
	"Equals":            func(c int) bool { return c == 0 },
	"LessThan":          func(c int) bool { return c < 0 },
	"GreaterThan":       func(c int) bool { return c > 0 },
	"LessThanEquals":    func(c int) bool { return c <= 0 },
	"GreaterThanEquals": func(c int) bool { return c >= 0 },
}

// operators maps every comparison operator name of the spec to its meaning.
var operators = buildOperators()

func buildOperators() map[string]operator {
	ops := map[string]operator{"StringMatches": {kind: kindString}}
	for _, typ := range []struct {
		prefix string
		kind   valueKind
	}{{"String", kindString}, {"Numeric", kindNumeric}, {"Timestamp", kindTimestamp}, {"Boolean", kindBoolean}} {
		for suffix, outcome := range comparisons {
			if typ.kind == kindBoolean && suffix != "Equals" {
				continue
			}
			ops[typ.prefix+suffix] = operator{kind: typ.kind, outcome: outcome}
			ops[typ.prefix+suffix+"Path"] = operator{kind: typ.kind, outcome: outcome, path: true}
		}
	}
	for _, name := range []string{"IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"} {
		ops[name] = operator{kind: kindTest}
	}
	return ops
}

// ChoiceRule is a parsed Choice rule: a top-level rule (with Next) or a rule
// nested in And/Or/Not.
type ChoiceRule struct {
	Next string

	// Boolean combinations: exactly one of and, or, not is set.
	and, or []*ChoiceRule
	not     *ChoiceRule

	// Comparison: Variable <opName> operand.
	variable *compiledPath
	opName   string
	op       operator
	operand  any           // the literal operand (string, number, bool)
	path     *compiledPath // the operand of a ...Path operator
	pattern  []matchToken  // StringMatches
}

// ParseChoiceRule parses and validates one Choice rule: exactly one
// operator, Variable for comparisons and not for And/Or/Not, operands of the
// right type, Next required at the top level and forbidden in nested rules.
func ParseChoiceRule(raw []byte, topLevel bool) (*ChoiceRule, error) {
	v, err := ParseJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("choice rule: %w", err)
	}
	return parseChoiceValue(v, topLevel)
}

func parseChoiceValue(v any, topLevel bool) (*ChoiceRule, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("choice rule must be an object")
	}
	r := &ChoiceRule{}
	if err := r.parseNext(m, topLevel); err != nil {
		return nil, err
	}
	var opNames []string
	for k := range m {
		switch k {
		case "Next", "Variable", "Comment":
		default:
			opNames = append(opNames, k)
		}
	}
	slices.Sort(opNames) // map order must not leak into the error message
	if len(opNames) != 1 {
		return nil, fmt.Errorf("choice rule must have exactly one operator, found %v", opNames)
	}
	name := opNames[0]
	variable, hasVariable := m["Variable"]
	switch name {
	case "And", "Or", "Not":
		if hasVariable {
			return nil, fmt.Errorf("%s rule must not have a Variable", name)
		}
		return r, r.parseBoolean(name, m[name])
	}
	if err := r.parseComparison(name, m[name]); err != nil {
		return nil, err
	}
	s, ok := variable.(string)
	if !ok {
		return nil, fmt.Errorf("%s rule requires a string Variable", name)
	}
	var err error
	if r.variable, err = compilePath(s); err != nil {
		return nil, fmt.Errorf("Variable: %w", err) //nolint:staticcheck // ST1005: "Variable" is the case-sensitive ASL field the error is located at, like the "And[0]: " prefixes
	}
	return r, nil
}

func (r *ChoiceRule) parseNext(m map[string]any, topLevel bool) error {
	next, has := m["Next"]
	if !topLevel {
		if has {
			return errors.New("nested choice rule must not have Next")
		}
		return nil
	}
	s, ok := next.(string)
	if !ok || s == "" {
		return errors.New("top-level choice rule requires a non-empty string Next")
	}
	r.Next = s
	return nil
}

func (r *ChoiceRule) parseBoolean(name string, v any) error {
	if name == "Not" {
		child, err := parseChoiceValue(v, false)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		r.not = child
		return nil
	}
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return fmt.Errorf("%s must be a non-empty array of choice rules", name)
	}
	children := make([]*ChoiceRule, len(list))
	for i, e := range list {
		child, err := parseChoiceValue(e, false)
		if err != nil {
			return fmt.Errorf("%s[%d]: %w", name, i, err)
		}
		children[i] = child
	}
	if name == "And" {
		r.and = children
	} else {
		r.or = children
	}
	return nil
}

func (r *ChoiceRule) parseComparison(name string, operand any) error {
	op, ok := operators[name]
	if !ok {
		return fmt.Errorf("unknown choice rule field %q", name)
	}
	r.opName, r.op, r.operand = name, op, operand
	var err error
	switch {
	case op.path:
		s, ok := operand.(string)
		if !ok {
			return fmt.Errorf("%s requires a path", name)
		}
		r.path, err = compilePath(s)
	case name == "StringMatches":
		s, ok := operand.(string)
		if !ok {
			return fmt.Errorf("%s requires a string", name)
		}
		r.pattern, err = compilePattern(s)
	case op.kind == kindString:
		if _, ok := operand.(string); !ok {
			return fmt.Errorf("%s requires a string", name)
		}
	case op.kind == kindNumeric:
		if _, ok := toFloat(operand); !ok {
			return fmt.Errorf("%s requires a number", name)
		}
	case op.kind == kindBoolean, op.kind == kindTest:
		if _, ok := operand.(bool); !ok {
			return fmt.Errorf("%s requires a boolean", name)
		}
	case op.kind == kindTimestamp:
		s, _ := operand.(string)
		if _, ok = parseTimestamp(s); !ok {
			return fmt.Errorf("%s requires an RFC3339 timestamp string", name)
		}
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// Eval evaluates the rule against the state input and the context object.
//
// As on AWS, a Variable that selects nothing fails the evaluation with a
// States.Runtime error ("Invalid path '$.x': The choice state's condition
// path references an invalid value."), except under IsPresent, the
// documented way to test for presence. AWS's Choice state guide: "If the
// state input doesn't contain the $.type field, the execution fails and an
// error is displayed in the execution history." The Path operand of a
// ...Path operator must select something too. A value of the wrong type
// makes the comparison false.
func (r *ChoiceRule) Eval(input, ctx any) (bool, error) {
	switch {
	case r.not != nil:
		ok, err := r.not.Eval(input, ctx)
		return !ok, err
	case r.and != nil:
		for _, c := range r.and {
			if ok, err := c.Eval(input, ctx); err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case r.or != nil:
		for _, c := range r.or {
			if ok, err := c.Eval(input, ctx); err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	}
	v, err := r.variable.query(input, ctx)
	present := err == nil
	if err != nil && !errors.Is(err, ErrNoMatch) {
		return false, err
	}
	if r.opName == "IsPresent" {
		return present == r.operand.(bool), nil
	}
	if !present {
		return false, invalidChoicePath(r.variable.raw)
	}
	if r.op.kind == kindTest {
		return r.test(v), nil
	}
	return r.compare(v, input, ctx)
}

// invalidChoicePath is the States.Runtime error for a Variable or a ...Path
// operand that selects nothing.
func invalidChoicePath(path string) *Error {
	return &Error{Name: ErrRuntime, Cause: fmt.Sprintf("Invalid path '%s': The choice state's condition path references an invalid value.", path), wrapped: ErrNoMatch}
}

// test evaluates an Is* operator other than IsPresent on a present value.
func (r *ChoiceRule) test(v any) bool {
	want := r.operand.(bool)
	var got bool
	switch r.opName {
	case "IsNull":
		got = v == nil
	case "IsNumeric":
		_, got = toFloat(v)
	case "IsString":
		_, got = v.(string)
	case "IsBoolean":
		_, got = v.(bool)
	case "IsTimestamp":
		s, _ := v.(string)
		_, got = parseTimestamp(s)
	}
	return got == want
}

// compare evaluates a comparison operator on the Variable's value v.
func (r *ChoiceRule) compare(v any, input, ctx any) (bool, error) {
	if r.pattern != nil {
		s, ok := v.(string)
		return ok && matchPattern(r.pattern, s), nil
	}
	operand := r.operand
	if r.path != nil {
		var err error
		if operand, err = r.path.query(input, ctx); err != nil {
			if errors.Is(err, ErrNoMatch) {
				return false, invalidChoicePath(r.path.raw)
			}
			return false, AsError(err)
		}
	}
	c, ok := compareValues(r.op.kind, v, operand)
	return ok && r.op.outcome(c), nil
}

// compareValues compares a and b as kind; ok is false on a type mismatch.
func compareValues(kind valueKind, a, b any) (int, bool) {
	switch kind {
	case kindString:
		x, ok1 := a.(string)
		y, ok2 := b.(string)
		return strings.Compare(x, y), ok1 && ok2
	case kindNumeric:
		if x, ok := a.(int64); ok {
			if y, ok := b.(int64); ok {
				return cmp3(x, y), true
			}
		}
		x, ok1 := toFloat(a)
		y, ok2 := toFloat(b)
		return cmp3(x, y), ok1 && ok2
	case kindBoolean:
		x, ok1 := a.(bool)
		y, ok2 := b.(bool)
		if x == y {
			return 0, ok1 && ok2
		}
		return 1, ok1 && ok2
	default: // kindTimestamp
		x, ok1 := timestampOf(a)
		y, ok2 := timestampOf(b)
		return x.Compare(y), ok1 && ok2
	}
}

func cmp3[T int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func timestampOf(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, false
	}
	return parseTimestamp(s)
}

// parseTimestamp parses an RFC3339 timestamp with an uppercase T separator
// and an uppercase Z or a numeric offset, as the spec requires.
func parseTimestamp(s string) (time.Time, bool) {
	if len(s) < 20 || s[10] != 'T' || strings.ContainsRune(s, 'z') {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}
