package asl

import (
	"errors"
	"testing"
)

const pathsInput = `{
  "foo": 123, "bar": ["a", "b", "c"], "car": {"cdr": true}, "nil": null,
  "sp ace": 1,
  "items": [{"x": "y", "n": 1}, {"x": "z", "n": 2}, {"x": "y", "n": 3}]
}`

func TestQuery(t *testing.T) {
	input := mustJSON(t, pathsInput)
	ctx := mustJSON(t, `{"Execution": {"Id": "arn:exec", "Input": {"k": 1}}, "Map": {"Item": {"Index": 2}}}`)
	cases := []struct{ name, path, want string }{
		{"spec: $ is the whole input", "$", pathsInput},
		{"spec: $.foo", "$.foo", `123`},
		{"spec: $.bar", "$.bar", `["a","b","c"]`},
		{"spec: $.car.cdr", "$.car.cdr", `true`},
		{"array index", "$.bar[1]", `"b"`},
		{"negative index counts from the end", "$.bar[-1]", `"c"`},
		{"bracket notation", "$['sp ace']", `1`},
		{"null value is a match", "$.nil", `null`},
		{"filter yields an array", "$.items[?(@.x == 'y')].n", `[1,3]`},
		{"filter with no match yields []", "$.items[?(@.x == 'q')]", `[]`},
		{"wildcard", "$.bar[*]", `["a","b","c"]`},
		{"slice", "$.bar[0:2]", `["a","b"]`},
		{"descent", "$..n", `[1,2,3]`},
		{"context object", "$$.Execution.Id", `"arn:exec"`},
		{"whole context object", "$$", `{"Execution":{"Id":"arn:exec","Input":{"k":1}},"Map":{"Item":{"Index":2}}}`},
		{"context map index", "$$.Map.Item.Index", `2`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Query(c.path, input, ctx)
			if err != nil {
				t.Fatal(err)
			}
			assertJSON(t, got, c.want)
		})
	}
}

func TestQueryNoMatch(t *testing.T) {
	input := mustJSON(t, pathsInput)
	for _, p := range []string{"$.missing", "$.foo.bar", "$.bar[3]", "$.bar.x", "$.car[0]", "$$.Execution"} {
		_, err := Query(p, input, nil)
		if !errors.Is(err, ErrNoMatch) {
			t.Errorf("Query(%q): err = %v, want ErrNoMatch", p, err)
		}
		assertErrorName(t, err, ErrRuntime)
	}
}

func TestQueryInvalidPath(t *testing.T) {
	for _, p := range []string{"", "foo", "$.", "$$$", "@.x", "$.a b", "$[", "$.a.length()", "$..", "$..$"} {
		_, err := Query(p, map[string]any{}, nil)
		if err == nil || errors.Is(err, ErrNoMatch) {
			t.Errorf("Query(%q): err = %v, want a syntax error", p, err)
		}
		if ValidPath(p) == nil {
			t.Errorf("ValidPath(%q) = nil, want error", p)
		}
	}
}

func TestValidReferencePath(t *testing.T) {
	cases := []struct {
		path string
		ok   bool
	}{
		{"$", true},
		{"$.a.b", true},
		{"$.list[0]", true},
		{"$['a']['b']", true},
		{"$$.Execution.Input", true},
		{"$.a[*]", false},
		{"$.a[?(@.x == 1)]", false},
		{"$..a", false},
		{"$.a[0:1]", false},
		{"$.a[0,1]", false},
		{"$.a[-1]", false},
		{"a", false},
	}
	for _, c := range cases {
		if err := ValidReferencePath(c.path); (err == nil) != c.ok {
			t.Errorf("ValidReferencePath(%q) = %v, want ok=%v", c.path, err, c.ok)
		}
	}
	if ValidResultPath("$$.Execution") == nil {
		t.Error("ValidResultPath accepted a context object path")
	}
	if err := ValidResultPath("$.a"); err != nil {
		t.Errorf("ValidResultPath($.a) = %v", err)
	}
}
