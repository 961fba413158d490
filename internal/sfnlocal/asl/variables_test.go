package asl

import (
	"errors"
	"testing"
)

func TestQuery_VariableReferences(t *testing.T) {
	env := Env{Context: map[string]any{"c": "ctx"}, Vars: map[string]any{"x": map[string]any{"a": []any{int64(1), int64(2)}}, "_n1": "v"}}
	for path, want := range map[string]any{
		"$x.a[1]": int64(2),
		"$_n1":    "v",
		"$$.c":    "ctx",
		"$.in":    "input",
	} {
		got, err := Query(path, map[string]any{"in": "input"}, env)
		if err != nil || got != want {
			t.Errorf("Query(%q) = %v, %v; want %v", path, got, err, want)
		}
	}
	if _, err := Query("$undefined", nil, env); !errors.Is(err, ErrNoMatch) {
		t.Errorf("an undefined variable: %v, want ErrNoMatch", err)
	}
	if _, err := Query("$x", nil, nil); !errors.Is(err, ErrNoMatch) {
		t.Errorf("no Env: %v, want ErrNoMatch", err)
	}
	got, err := Template(map[string]any{"v.$": "$x.a", "lit": "$x", "f.$": "States.Format('{}', $_n1)"}, nil, env)
	if err != nil {
		t.Fatal(err)
	}
	if m := got.(map[string]any); m["lit"] != "$x" || m["f"] != "v" || len(m["v"].([]any)) != 2 {
		t.Errorf("Template = %v", got)
	}
}

func TestVariablePaths_Validation(t *testing.T) {
	for _, p := range []string{"$states", "$states.input", "$a b"} {
		if ValidPath(p) == nil {
			t.Errorf("ValidPath(%q) accepted", p)
		}
	}
	if ValidResultPath("$x") == nil {
		t.Error("a ResultPath naming a variable was accepted")
	}
	if err := ValidReferencePath("$x.a[0]"); err != nil {
		t.Errorf("ValidReferencePath: %v", err)
	}
	for name, ok := range map[string]bool{"x": true, "_x1": true, "été": true, "": false, "1x": false, "a-b": false, "states": false} {
		if err := ValidVariableName(name); (err == nil) != ok {
			t.Errorf("ValidVariableName(%q) = %v, want ok=%v", name, err, ok)
		}
	}
}
