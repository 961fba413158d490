package asl

import (
	"errors"
	"testing"
)

const fuzzInput = `{"a": {"b": [1, 2.5, "x", null, {"c": true}]}, "s": "str", "n": 7, "l": [3, 1, 3], "o": {"k": "v"}}`

func fuzzValues(t *testing.T) (input, ctx any) {
	return mustJSON(t, fuzzInput), mustJSON(t, `{"Execution": {"Id": "e", "Input": {"a": 1}}}`)
}

// checkResult asserts the invariants of any evaluation: a failure is an
// *Error, and a success is JSON-encodable.
func checkResult(t *testing.T, v any, err error) {
	t.Helper()
	if err != nil {
		if _, ok := errors.AsType[*Error](err); !ok {
			t.Fatalf("error %v is not an *asl.Error", err)
		}
		return
	}
	if _, err := MarshalJSON(v); err != nil {
		t.Fatalf("result %#v is not JSON: %v", v, err)
	}
}

func FuzzQuery(f *testing.F) {
	for _, s := range []string{"$", "$.a.b[0]", "$.a.b[-1]", "$..c", "$.a.b[?(@ > 1)]", "$.l[0:2]", "$['a']['b'][4].c", "$$.Execution.Id", "$$", "$.a[*]", "$.x", "$.", "$[", "$.a.b[?(@.c == true)]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		input, ctx := fuzzValues(t)
		v, err := Query(path, input, ctx)
		checkResult(t, v, err)
		if ValidPath(path) != nil && err == nil {
			t.Fatalf("Query(%q) succeeded but ValidPath rejects it", path)
		}
		if ValidReferencePath(path) == nil && !errors.Is(err, ErrNoMatch) && err != nil {
			t.Fatalf("valid reference path %q failed: %v", path, err)
		}
		if ValidResultPath(path) == nil {
			out, err := SetResult(path, input, "r")
			checkResult(t, out, err)
		}
	})
}

func FuzzEvalIntrinsic(f *testing.F) {
	for _, s := range []string{
		"States.Format('a {} b', $.s)", "States.Format('\\{}', 1)", "States.StringToJson('{\"a\":1}')",
		"States.JsonToString($.a)", "States.Array(1, 'x', null, true, $.n)", "States.ArrayPartition($.l, 2)",
		"States.ArrayContains($.l, 3)", "States.ArrayRange(1, 10, 3)", "States.ArrayGetItem($.l, 1)",
		"States.ArrayLength($.l)", "States.ArrayUnique($.l)", "States.Base64Encode($.s)", "States.Base64Decode('eA==')",
		"States.Hash($.s, 'SHA-256')", "States.JsonMerge($.o, $.a, false)", "States.MathRandom(1, 5, 3)",
		"States.MathAdd($.n, -2)", "States.StringSplit('a,b', ',')", "States.UUID()",
		"States.Array(States.Array(States.Array()))", "States.Format(", "States.Array($.a.b[?(@ > 1)], ')')",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		input, ctx := fuzzValues(t)
		v, err := EvalIntrinsic(expr, input, ctx)
		checkResult(t, v, err)
		if ValidIntrinsic(expr) != nil && err == nil {
			t.Fatalf("EvalIntrinsic(%q) succeeded but ValidIntrinsic rejects it", expr)
		}
	})
}

func FuzzParseChoiceRule(f *testing.F) {
	for _, s := range []string{
		`{"Variable": "$.n", "NumericEquals": 7, "Next": "X"}`,
		`{"Not": {"Variable": "$.s", "StringMatches": "s*r"}, "Next": "X"}`,
		`{"And": [{"Variable": "$.a.b[0]", "IsNumeric": true}, {"Or": [{"Variable": "$.x", "IsPresent": false}]}], "Next": "X"}`,
		`{"Variable": "$.s", "TimestampLessThan": "2020-01-01T00:00:00Z", "Next": "X"}`,
		`{"Variable": "$.n", "NumericLessThanPath": "$.l[0]", "Next": "X"}`,
		`{"Variable": "$$.Execution.Id", "StringEqualsPath": "$.s", "Next": "X"}`,
		`{"Variable": "$.o", "BooleanEquals": true}`,
		`{"Next": "X"}`,
	} {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, raw []byte, topLevel bool) {
		r, err := ParseChoiceRule(raw, topLevel)
		if err != nil {
			return
		}
		if topLevel && r.Next == "" {
			t.Fatal("top-level rule accepted without Next")
		}
		input, ctx := fuzzValues(t)
		_, err = r.Eval(input, ctx)
		checkResult(t, nil, err)
	})
}

func FuzzTemplate(f *testing.F) {
	for _, s := range []string{
		`{"a.$": "$.a", "b": {"c.$": "States.Format('{}', $.n)"}, "d": [{"e.$": "$$.Execution.Id"}]}`,
		`{"x.$": "$.missing"}`,
		`[1, "two", {"three.$": "States.ArrayLength($.l)"}]`,
		`{"x.$": 1}`,
		`{".$": "$"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		tmpl, err := ParseJSON(raw)
		if err != nil {
			return
		}
		input, ctx := fuzzValues(t)
		v, err := Template(tmpl, input, ctx)
		checkResult(t, v, err)
		if err == nil {
			if _, isObject := tmpl.(map[string]any); isObject {
				if _, isObject := v.(map[string]any); !isObject {
					t.Fatalf("object template produced %T", v)
				}
			}
		}
	})
}
