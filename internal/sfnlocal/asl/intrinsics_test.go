package asl

import (
	"errors"
	"regexp"
	"testing"
)

func TestEvalIntrinsic(t *testing.T) {
	input := mustJSON(t, `{
	  "name": "Arnav", "template": "Hello, my name is {}.",
	  "escapedJsonString": "{\"foo\": \"bar\"}", "unescapedJson": {"foo": "bar"},
	  "Id": 123456, "inputArray": [1,2,3,4,5,6,7,8,9], "lookingFor": 5,
	  "start": 1, "end": 9, "index": 5,
	  "inputArrayDup": [1,2,3,3,3,3,3,3,4], "input": "Data to encode",
	  "base64": "RGF0YSB0byBlbmNvZGU=", "Data": "input data", "Algorithm": "SHA-1",
	  "json1": {"a": {"a1": 1, "a2": 2}, "b": 2}, "json2": {"a": {"a3": 1, "a4": 2}, "c": 3},
	  "value1": 111, "step": -1,
	  "inputString": "This.is+a,test=string", "splitter": ".+,=",
	  "ImageRecipe": {"Arn": "arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/x-recipe.y/1.0.0"}
	}`)
	ctx := mustJSON(t, `{"Execution": {"Name": "run-1"}}`)
	cases := []struct{ name, expr, want string }{
		{"docs: Format literal template", `States.Format('Hello, my name is {}.', $.name)`, `"Hello, my name is Arnav."`},
		{"docs: Format template from path", `States.Format($.template, $.name)`, `"Hello, my name is Arnav."`},
		{"Format escaped braces are literal", `States.Format('\{\} {} \'q\' \\', $.Id)`, `"{} 123456 'q' \\"`},
		{"Format number, bool, null", `States.Format('{}|{}|{}|{}', 1.5, true, null, 'x')`, `"1.5|true|null|x"`},
		{"Format context object", `States.Format('run {}', $$.Execution.Name)`, `"run run-1"`},
		{"Format without placeholders", `States.Format('plain')`, `"plain"`},
		{"docs: StringToJson", `States.StringToJson($.escapedJsonString)`, `{"foo": "bar"}`},
		{"docs: JsonToString", `States.JsonToString($.unescapedJson)`, `"{\"foo\":\"bar\"}"`},
		{"docs: Array", `States.Array($.Id)`, `[123456]`},
		{"Array mixed", `States.Array('a', 1, -2.5, true, null, $.unescapedJson)`, `["a", 1, -2.5, true, null, {"foo": "bar"}]`},
		{"Array empty", `States.Array()`, `[]`},
		{"docs: ArrayPartition", `States.ArrayPartition($.inputArray, 4)`, `[[1,2,3,4],[5,6,7,8],[9]]`},
		{"docs: ArrayContains", `States.ArrayContains($.inputArray, $.lookingFor)`, `true`},
		{"ArrayContains object", `States.ArrayContains(States.Array($.unescapedJson), $.unescapedJson)`, `true`},
		{"ArrayContains missing", `States.ArrayContains($.inputArray, 'x')`, `false`},
		{"docs: ArrayRange", `States.ArrayRange(1, 9, 2)`, `[1,3,5,7,9]`},
		{"ArrayRange descending", `States.ArrayRange(3, 1, $.step)`, `[3,2,1]`},
		{"ArrayRange empty", `States.ArrayRange(1, 0, 2)`, `[]`},
		{"docs: ArrayGetItem", `States.ArrayGetItem($.inputArray, $.index)`, `6`},
		{"docs: ArrayLength", `States.ArrayLength($.inputArray)`, `9`},
		{"docs: ArrayUnique", `States.ArrayUnique($.inputArrayDup)`, `[1,2,3,4]`},
		{"ArrayUnique objects and 1 vs 1.0", `States.ArrayUnique(States.Array(1, 1.0, $.unescapedJson, $.unescapedJson))`, `[1, {"foo":"bar"}]`},
		{"docs: Base64Encode", `States.Base64Encode($.input)`, `"RGF0YSB0byBlbmNvZGU="`},
		{"docs: Base64Decode", `States.Base64Decode($.base64)`, `"Data to encode"`},
		{"docs: Hash SHA-1", `States.Hash($.Data, $.Algorithm)`, `"aaff4a450a104cd177d28d18d74485e8cae074b7"`},
		{"Hash MD5", `States.Hash('abc', 'MD5')`, `"900150983cd24fb0d6963f7d28e17f72"`},
		{"Hash SHA-256", `States.Hash('abc', 'SHA-256')`, `"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"`},
		{"Hash SHA-384", `States.Hash('abc', 'SHA-384')`, `"cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"`},
		{"Hash SHA-512", `States.Hash('abc', 'SHA-512')`, `"ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"`},
		{"docs: JsonMerge is shallow", `States.JsonMerge($.json1, $.json2, false)`, `{"a": {"a3": 1, "a4": 2}, "b": 2, "c": 3}`},
		{"docs: MathAdd", `States.MathAdd($.value1, $.step)`, `110`},
		{"MathAdd literal", `States.MathAdd(111, -1)`, `110`},
		{"docs: StringSplit", `States.StringSplit('1,2,3,4,5', ',')`, `["1","2","3","4","5"]`},
		{"docs: StringSplit with several delimiter characters", `States.StringSplit($.inputString, $.splitter)`, `["This","is","a","test","string"]`},
		{"docs: nine nested intrinsics",
			`States.Format('{}.{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 0), States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 1), 'z')`,
			`"1.0.z"`},
		{"whitespace around arguments", `States.Array( 1 ,  $.Id )`, `[1, 123456]`},
		{"path with filter argument", `States.ArrayLength($.inputArray[?(@ > 5)])`, `4`},
		{"string with comma and parens", `States.Array('a,b)', 'c')`, `["a,b)", "c"]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := ValidIntrinsic(c.expr); err != nil {
				t.Fatalf("ValidIntrinsic: %v", err)
			}
			got, err := EvalIntrinsic(c.expr, input, ctx)
			if err != nil {
				t.Fatal(err)
			}
			assertJSON(t, got, c.want)
		})
	}
}

func TestEvalIntrinsicRandom(t *testing.T) {
	for range 50 {
		v, err := EvalIntrinsic("States.MathRandom(1, 4)", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if n := v.(int64); n < 1 || n >= 4 {
			t.Fatalf("MathRandom(1, 4) = %d, want in [1, 4)", n)
		}
	}
	a, _ := EvalIntrinsic("States.MathRandom(0, 1000000, 7)", nil, nil)
	b, _ := EvalIntrinsic("States.MathRandom(0, 1000000, 7)", nil, nil)
	if a != b {
		t.Errorf("seeded MathRandom not deterministic: %v vs %v", a, b)
	}
	u, err := EvalIntrinsic("States.UUID()", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(u.(string)) {
		t.Errorf("UUID() = %q is not a v4 UUID", u)
	}
}

func TestEvalIntrinsicErrors(t *testing.T) {
	input := mustJSON(t, `{"a": [1,2], "s": "x", "o": {"k": 1}, "n": 3}`)
	cases := []struct{ name, expr string }{
		{"Format placeholder count", `States.Format('{} {}', 1)`},
		{"Format object argument", `States.Format('{}', $.o)`},
		{"Format non-string template", `States.Format(1)`},
		{"StringToJson invalid", `States.StringToJson('{')`},
		{"ArrayPartition zero", `States.ArrayPartition($.a, 0)`},
		{"ArrayPartition not array", `States.ArrayPartition($.s, 1)`},
		{"ArrayRange step 0", `States.ArrayRange(1, 2, 0)`},
		{"ArrayRange over 1000 items", `States.ArrayRange(1, 1001, 1)`},
		{"ArrayRange non-integer", `States.ArrayRange(1, 2.5, 1)`},
		{"ArrayGetItem out of range", `States.ArrayGetItem($.a, 2)`},
		{"ArrayGetItem negative", `States.ArrayGetItem($.a, -1)`},
		{"ArrayLength not array", `States.ArrayLength($.o)`},
		{"Base64Decode invalid", `States.Base64Decode('!!')`},
		{"Hash unknown algorithm", `States.Hash('x', 'SHA-3')`},
		{"JsonMerge deep", `States.JsonMerge($.o, $.o, true)`},
		{"JsonMerge not object", `States.JsonMerge($.o, $.a, false)`},
		{"MathRandom empty range", `States.MathRandom(5, 5)`},
		{"MathAdd out of int32 range", `States.MathAdd(2147483648, 1)`},
		{"MathAdd fraction", `States.MathAdd(1.5, 1)`},
		{"StringSplit not string", `States.StringSplit($.n, ',')`},
		{"path matches nothing", `States.Array($.missing)`},
		{"syntax: unknown function", `States.Nope()`},
		{"syntax: arity", `States.UUID(1)`},
		{"syntax: unterminated", `States.Array(1`},
		{"syntax: trailing text", `States.Array(1) x`},
		{"syntax: bad escape", `States.Format('\n')`},
		{"syntax: bad keyword", `States.Array(nope)`},
		{"syntax: bad number", `States.Array(1.2.3)`},
		{"syntax: nesting over 10", `States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array())))))))))))`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := EvalIntrinsic(c.expr, input, nil)
			assertErrorName(t, err, ErrRuntime)
		})
	}
	if _, err := EvalIntrinsic(`States.Array($.missing)`, input, nil); !errors.Is(err, ErrNoMatch) {
		t.Errorf("missing path argument: %v, want ErrNoMatch", err)
	}
}
