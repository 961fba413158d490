package asl

import "testing"

func TestSetResult(t *testing.T) {
	cases := []struct{ name, input, path, result, want string }{
		{"spec: $ replaces the input", `{"a":1}`, "$", `"r"`, `"r"`},
		{"adds a field", `{"a":1}`, "$.b", `{"x":2}`, `{"a":1,"b":{"x":2}}`},
		{"replaces a field", `{"a":1}`, "$.a", `2`, `{"a":2}`},
		{"creates intermediate objects", `{"a":1}`, "$.b.c.d", `true`, `{"a":1,"b":{"c":{"d":true}}}`},
		{"descends existing objects", `{"b":{"k":0}}`, "$.b.c", `1`, `{"b":{"k":0,"c":1}}`},
		{"array element", `{"l":[1,2,3]}`, "$.l[1]", `"x"`, `{"l":[1,"x",3]}`},
		{"object in array", `{"l":[{"a":1}]}`, "$.l[0].b", `2`, `{"l":[{"a":1,"b":2}]}`},
		{"AWS docs: ResultPath $.taskresult", `{"comment":"c"}`, "$.taskresult", `"Hello"`, `{"comment":"c","taskresult":"Hello"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			input := mustJSON(t, c.input)
			before, _ := MarshalJSON(input)
			got, err := SetResult(c.path, input, mustJSON(t, c.result))
			if err != nil {
				t.Fatal(err)
			}
			assertJSON(t, got, c.want)
			after, _ := MarshalJSON(input)
			if string(before) != string(after) {
				t.Fatalf("input mutated: %s -> %s", before, after)
			}
		})
	}
}

func TestSetResultFailures(t *testing.T) {
	cases := []struct{ name, input, path string }{
		{"spec: intermediate is not an object", `{"a":3}`, "$.a.b"},
		{"input is a string", `"s"`, "$.a"},
		{"input is null", `null`, "$.a"},
		{"index out of range", `{"l":[1]}`, "$.l[5]"},
		{"index on an object", `{"l":{}}`, "$.l[0]"},
		{"index on a missing field", `{}`, "$.l[0]"},
		{"not a reference path", `{}`, "$.a[*]"},
		{"context object", `{}`, "$$.Execution"},
		{"syntax error", `{}`, "$."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := SetResult(c.path, mustJSON(t, c.input), int64(1))
			assertErrorName(t, err, ErrResultPathMatchFailure)
		})
	}
}
