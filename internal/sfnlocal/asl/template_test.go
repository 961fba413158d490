package asl

import (
	"errors"
	"testing"
)

func TestTemplate(t *testing.T) {
	input := mustJSON(t, `{"flagged": 7, "vals": [0, 10, 20, 30, 40, 50], "name": "Arnav", "obj": {"a": 1}}`)
	ctx := mustJSON(t, `{"Execution": {"Id": "arn:e"}, "Map": {"Item": {"Value": "v"}}}`)
	cases := []struct{ name, tmpl, want string }{
		{"spec example: Parameters payload template",
			`{"flagged": true, "parts": {"first.$": "$.vals[0]", "last3.$": "$.vals[3:]"}}`,
			`{"flagged": true, "parts": {"first": 0, "last3": [30, 40, 50]}}`},
		{"context object path", `{"id.$": "$$.Execution.Id", "item.$": "$$.Map.Item.Value"}`, `{"id": "arn:e", "item": "v"}`},
		{"intrinsic", `{"greeting.$": "States.Format('Hello, {}', $.name)"}`, `{"greeting": "Hello, Arnav"}`},
		{"arrays recurse", `[{"a.$": "$.flagged"}, 1, "x.$"]`, `[{"a": 7}, 1, "x.$"]`},
		{"static values are copied", `{"s": "$.name", "n": null, "o": {"k": [true]}}`, `{"s": "$.name", "n": null, "o": {"k": [true]}}`},
		{"whole object", `{"o.$": "$.obj"}`, `{"o": {"a": 1}}`},
		{"scalar template", `"plain"`, `"plain"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tmpl := mustJSON(t, c.tmpl)
			if err := ValidTemplate(tmpl); err != nil {
				t.Fatalf("ValidTemplate: %v", err)
			}
			got, err := Template(tmpl, input, ctx)
			if err != nil {
				t.Fatal(err)
			}
			assertJSON(t, got, c.want)
		})
	}
}

func TestTemplateErrors(t *testing.T) {
	input := mustJSON(t, `{"a": 1}`)
	cases := []struct {
		name, tmpl string
		noMatch    bool
	}{
		{"AWS: path matching nothing is States.Runtime", `{"x.$": "$.missing"}`, true},
		{"nested path failure", `{"o": {"x.$": "$.a.b"}}`, true},
		{"intrinsic failure is States.Runtime", `{"x.$": "States.ArrayLength($.a)"}`, false},
		{"value is not a string", `{"x.$": 1}`, false},
		{"value is neither path nor intrinsic", `{"x.$": "hello"}`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Template(mustJSON(t, c.tmpl), input, nil)
			assertErrorName(t, err, ErrRuntime)
			if errors.Is(err, ErrNoMatch) != c.noMatch {
				t.Fatalf("errors.Is(ErrNoMatch) = %v, want %v (%v)", !c.noMatch, c.noMatch, err)
			}
		})
	}
}

func TestValidTemplateRejects(t *testing.T) {
	for _, tmpl := range []string{
		`{"x.$": 1}`,
		`{"x.$": "nope"}`,
		`{"x.$": "$."}`,
		`{"x.$": "States.Nope()"}`,
		`{"x.$": "States.Format("}`,
		`{"o": [{"x.$": "$$$"}]}`,
		`{"x": 1, "x.$": "$.a"}`,
		`{".$": "$.a"}`,
	} {
		if ValidTemplate(mustJSON(t, tmpl)) == nil {
			t.Errorf("ValidTemplate(%s) = nil, want error", tmpl)
		}
	}
}
