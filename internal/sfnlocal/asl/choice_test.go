package asl

import (
	"errors"
	"strings"
	"testing"
)

const choiceInput = `{
  "type": "Private", "value": 42, "fval": 1.5, "flag": true, "nil": null,
  "name": "log-2024.txt", "star": "a*b", "when": "2016-03-14T01:59:00Z",
  "other": "2016-03-14T01:59:00.000Z", "later": "2016-03-14T02:59:00+01:00",
  "lo": 30, "hi": 50, "str": "30"
}`

func TestChoiceRuleEval(t *testing.T) {
	input := mustJSON(t, choiceInput)
	ctx := mustJSON(t, `{"Execution": {"Input": {"mode": "fast"}}}`)
	cases := []struct {
		name, rule string
		want       bool
	}{
		{"spec example: Not StringEquals", `{"Not": {"Variable": "$.type", "StringEquals": "Private"}, "Next": "Public"}`, false},
		{"spec example: And of numeric ranges", `{"And": [{"Variable": "$.value", "NumericGreaterThanEquals": 20}, {"Variable": "$.value", "NumericLessThan": 30}], "Next": "X"}`, false},
		{"Or short-circuits to true", `{"Or": [{"Variable": "$.value", "NumericEquals": 1}, {"Variable": "$.value", "NumericEquals": 42}], "Next": "X"}`, true},
		{"StringEquals", `{"Variable": "$.type", "StringEquals": "Private", "Next": "X"}`, true},
		{"StringLessThan", `{"Variable": "$.type", "StringLessThan": "Q", "Next": "X"}`, true},
		{"StringGreaterThan", `{"Variable": "$.type", "StringGreaterThan": "Q", "Next": "X"}`, false},
		{"StringLessThanEquals", `{"Variable": "$.type", "StringLessThanEquals": "Private", "Next": "X"}`, true},
		{"StringGreaterThanEquals", `{"Variable": "$.type", "StringGreaterThanEquals": "Pz", "Next": "X"}`, false},
		{"StringEqualsPath", `{"Variable": "$.str", "StringEqualsPath": "$.str", "Next": "X"}`, true},
		{"StringEqualsPath context object", `{"Variable": "$$.Execution.Input.mode", "StringEquals": "fast", "Next": "X"}`, true},
		{"docs: StringMatches wildcard", `{"Variable": "$.name", "StringMatches": "log-*.txt", "Next": "X"}`, true},
		{"StringMatches no match", `{"Variable": "$.name", "StringMatches": "log-*.csv", "Next": "X"}`, false},
		{"StringMatches escaped star is literal", `{"Variable": "$.star", "StringMatches": "a\\*b", "Next": "X"}`, true},
		{"StringMatches escaped star rejects other text", `{"Variable": "$.name", "StringMatches": "log\\*", "Next": "X"}`, false},
		{"StringMatches multiple stars", `{"Variable": "$.name", "StringMatches": "*-*.*", "Next": "X"}`, true},
		{"NumericEquals int vs float", `{"Variable": "$.value", "NumericEquals": 42.0, "Next": "X"}`, true},
		{"NumericLessThan float", `{"Variable": "$.fval", "NumericLessThan": 2, "Next": "X"}`, true},
		{"NumericGreaterThan", `{"Variable": "$.value", "NumericGreaterThan": 42, "Next": "X"}`, false},
		{"NumericLessThanEquals", `{"Variable": "$.value", "NumericLessThanEquals": 42, "Next": "X"}`, true},
		{"NumericGreaterThanEquals", `{"Variable": "$.value", "NumericGreaterThanEquals": 43, "Next": "X"}`, false},
		{"NumericGreaterThanPath", `{"Variable": "$.value", "NumericGreaterThanPath": "$.lo", "Next": "X"}`, true},
		{"NumericLessThanPath", `{"Variable": "$.value", "NumericLessThanPath": "$.hi", "Next": "X"}`, true},
		{"spec: type mismatch is false, not an error", `{"Variable": "$.str", "NumericEquals": 30, "Next": "X"}`, false},
		{"type mismatch on the Path operand is false", `{"Variable": "$.value", "NumericEqualsPath": "$.str", "Next": "X"}`, false},
		{"BooleanEquals", `{"Variable": "$.flag", "BooleanEquals": true, "Next": "X"}`, true},
		{"BooleanEquals false", `{"Variable": "$.flag", "BooleanEquals": false, "Next": "X"}`, false},
		{"BooleanEqualsPath", `{"Variable": "$.flag", "BooleanEqualsPath": "$.flag", "Next": "X"}`, true},
		{"TimestampEquals across fractional seconds", `{"Variable": "$.when", "TimestampEquals": "2016-03-14T01:59:00.000Z", "Next": "X"}`, true},
		{"TimestampEquals across offsets", `{"Variable": "$.later", "TimestampEquals": "2016-03-14T01:59:00Z", "Next": "X"}`, true},
		{"TimestampLessThan", `{"Variable": "$.when", "TimestampLessThan": "2016-03-14T02:00:00Z", "Next": "X"}`, true},
		{"TimestampGreaterThan", `{"Variable": "$.when", "TimestampGreaterThan": "2016-03-14T02:00:00Z", "Next": "X"}`, false},
		{"TimestampLessThanEquals", `{"Variable": "$.when", "TimestampLessThanEquals": "2016-03-14T01:59:00Z", "Next": "X"}`, true},
		{"TimestampGreaterThanEquals", `{"Variable": "$.when", "TimestampGreaterThanEquals": "2016-03-14T01:59:01Z", "Next": "X"}`, false},
		{"TimestampEqualsPath", `{"Variable": "$.when", "TimestampEqualsPath": "$.other", "Next": "X"}`, true},
		{"Timestamp on a non-timestamp is false", `{"Variable": "$.type", "TimestampLessThan": "2016-03-14T02:00:00Z", "Next": "X"}`, false},
		{"IsNull", `{"Variable": "$.nil", "IsNull": true, "Next": "X"}`, true},
		{"IsNull false on a value", `{"Variable": "$.value", "IsNull": true, "Next": "X"}`, false},
		{"IsPresent", `{"Variable": "$.nil", "IsPresent": true, "Next": "X"}`, true},
		{"IsPresent false on missing field", `{"Variable": "$.missing", "IsPresent": false, "Next": "X"}`, true},
		{"IsNumeric", `{"Variable": "$.fval", "IsNumeric": true, "Next": "X"}`, true},
		{"IsNumeric false on numeric string", `{"Variable": "$.str", "IsNumeric": true, "Next": "X"}`, false},
		{"IsString", `{"Variable": "$.str", "IsString": true, "Next": "X"}`, true},
		{"IsBoolean", `{"Variable": "$.flag", "IsBoolean": false, "Next": "X"}`, false},
		{"IsTimestamp", `{"Variable": "$.when", "IsTimestamp": true, "Next": "X"}`, true},
		{"IsTimestamp false on plain string", `{"Variable": "$.type", "IsTimestamp": true, "Next": "X"}`, false},
		{"spec: lowercase t is not a timestamp", `{"Variable": "$.type", "IsTimestamp": false, "Next": "X"}`, true},
		{"IsPresent guards a comparison on a missing field", `{"And": [{"Variable": "$.missing", "IsPresent": true}, {"Variable": "$.missing", "StringEquals": "x"}], "Next": "X"}`, false},
		{"Not IsPresent on a missing field", `{"Not": {"Variable": "$.missing", "IsPresent": true}, "Next": "X"}`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := ParseChoiceRule([]byte(c.rule), true)
			if err != nil {
				t.Fatalf("ParseChoiceRule: %v", err)
			}
			if r.Next == "" {
				t.Fatal("Next not set")
			}
			got, err := r.Eval(input, ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Fatalf("Eval = %v, want %v", got, c.want)
			}
		})
	}
}

func TestChoiceRuleEvalErrors(t *testing.T) {
	input := mustJSON(t, choiceInput)
	for _, rule := range []string{
		`{"Variable": "$.value", "NumericEqualsPath": "$.missing", "Next": "X"}`,
		`{"And": [{"Variable": "$.value", "IsNumeric": true}, {"Variable": "$.type", "StringEqualsPath": "$.nope"}], "Next": "X"}`,
		// AWS fails the execution when a Variable selects nothing, whatever
		// the operator but IsPresent: "If the state input doesn't contain the
		// $.type field, the execution fails and an error is displayed in the
		// execution history." (Choice state guide,
		// https://docs.aws.amazon.com/step-functions/latest/dg/amazon-states-language-choice-state.html)
		`{"Variable": "$.missing", "StringEquals": "x", "Next": "X"}`,
		`{"Variable": "$.missing", "IsNull": false, "Next": "X"}`,
		`{"Not": {"Variable": "$.missing", "StringEquals": "x"}, "Next": "X"}`,
		`{"Or": [{"Variable": "$.missing.deeper", "NumericEquals": 1}, {"Variable": "$.value", "IsNumeric": true}], "Next": "X"}`,
	} {
		r, err := ParseChoiceRule([]byte(rule), true)
		if err != nil {
			t.Fatal(err)
		}
		_, err = r.Eval(input, nil)
		assertErrorName(t, err, ErrRuntime)
		if !errors.Is(err, ErrNoMatch) {
			t.Errorf("%s: %v, want ErrNoMatch", rule, err)
		}
		if !strings.Contains(err.Error(), "Invalid path '$.") || !strings.HasSuffix(err.Error(), ": The choice state's condition path references an invalid value.") {
			t.Errorf("%s: cause %q, want AWS's \"Invalid path '<path>': The choice state's condition path references an invalid value.\"", rule, err)
		}
	}
}

func TestParseChoiceRuleValidation(t *testing.T) {
	cases := []struct {
		name, rule string
		topLevel   bool
	}{
		{"top level requires Next", `{"Variable": "$.a", "StringEquals": "x"}`, true},
		{"nested rule must not have Next", `{"Variable": "$.a", "StringEquals": "x", "Next": "X"}`, false},
		{"Next must be a string", `{"Variable": "$.a", "StringEquals": "x", "Next": 1}`, true},
		{"no operator", `{"Variable": "$.a", "Next": "X"}`, true},
		{"two operators", `{"Variable": "$.a", "StringEquals": "x", "IsNull": true, "Next": "X"}`, true},
		{"unknown operator", `{"Variable": "$.a", "StringContains": "x", "Next": "X"}`, true},
		{"BooleanLessThan does not exist", `{"Variable": "$.a", "BooleanLessThan": true, "Next": "X"}`, true},
		{"comparison requires Variable", `{"StringEquals": "x", "Next": "X"}`, true},
		{"Variable must be a path", `{"Variable": "a", "StringEquals": "x", "Next": "X"}`, true},
		{"And must not have Variable", `{"Variable": "$.a", "And": [{"Variable": "$.a", "IsNull": true}], "Next": "X"}`, true},
		{"And must be non-empty", `{"And": [], "Next": "X"}`, true},
		{"Or must be an array", `{"Or": {"Variable": "$.a", "IsNull": true}, "Next": "X"}`, true},
		{"Not must be an object", `{"Not": [], "Next": "X"}`, true},
		{"nested rules are validated", `{"And": [{"Variable": "$.a", "IsNull": true, "Next": "Y"}], "Next": "X"}`, true},
		{"StringEquals needs a string", `{"Variable": "$.a", "StringEquals": 1, "Next": "X"}`, true},
		{"NumericEquals needs a number", `{"Variable": "$.a", "NumericEquals": "1", "Next": "X"}`, true},
		{"BooleanEquals needs a boolean", `{"Variable": "$.a", "BooleanEquals": "true", "Next": "X"}`, true},
		{"TimestampEquals needs a timestamp", `{"Variable": "$.a", "TimestampEquals": "yesterday", "Next": "X"}`, true},
		{"spec: timestamp needs uppercase T", `{"Variable": "$.a", "TimestampEquals": "2016-03-14t01:59:00Z", "Next": "X"}`, true},
		{"spec: timestamp needs uppercase Z", `{"Variable": "$.a", "TimestampEquals": "2016-03-14T01:59:00z", "Next": "X"}`, true},
		{"Is* needs a boolean", `{"Variable": "$.a", "IsNull": "yes", "Next": "X"}`, true},
		{"Path operator needs a valid path", `{"Variable": "$.a", "StringEqualsPath": "nope", "Next": "X"}`, true},
		{"StringMatches trailing backslash", `{"Variable": "$.a", "StringMatches": "x\\", "Next": "X"}`, true},
		{"not an object", `[]`, true},
		{"not JSON", `{`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := ParseChoiceRule([]byte(c.rule), c.topLevel); err == nil {
				t.Fatal("ParseChoiceRule succeeded, want error")
			}
		})
	}
	if _, err := ParseChoiceRule([]byte(`{"Variable": "$.a", "IsNull": true, "Comment": "ok"}`), false); err != nil {
		t.Errorf("nested rule with Comment: %v", err)
	}
}

func TestMatchPattern(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"", "", true},
		{"", "a", false},
		{"*", "", true},
		{"*", "anything", true},
		{"a*", "abc", true},
		{"*c", "abc", true},
		{"a*c", "ac", true},
		{"a*c", "abd", false},
		{"*.log", "x.log.log", true},
		{`\*`, "*", true},
		{`\*`, "x", false},
		{`\\`, `\`, true},
		{"h*é*", "héllo wörld é", true},
	}
	for _, c := range cases {
		p, err := compilePattern(c.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got := matchPattern(p, c.s); got != c.want {
			t.Errorf("match(%q, %q) = %v", c.pattern, c.s, got)
		}
	}
}
