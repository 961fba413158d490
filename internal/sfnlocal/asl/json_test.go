package asl

import "testing"

func TestParseJSONNumbers(t *testing.T) {
	cases := []struct {
		in   string
		want any
	}{
		{"1", int64(1)},
		{"-7", int64(-7)},
		{"1.5", 1.5},
		{"1e2", 100.0},
		{"9223372036854775808", 9223372036854775808.0},
		{`"x"`, "x"},
		{"true", true},
		{"null", nil},
	}
	for _, c := range cases {
		got, err := ParseJSON([]byte(c.in))
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if got != c.want {
			t.Errorf("%s: got %#v, want %#v", c.in, got, c.want)
		}
	}
}

func TestParseJSONRejects(t *testing.T) {
	for _, in := range []string{"", "{", "1 2", "{} x", "[1,]", "// c\n1", "1e999"} {
		if _, err := ParseJSON([]byte(in)); err == nil {
			t.Errorf("ParseJSON(%q) succeeded, want error", in)
		}
	}
}

func TestMarshalJSONRoundTrip(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"b":1,"a":[1.5,"<&>",null,true]}`, `{"a":[1.5,"<&>",null,true],"b":1}`},
		{`{"n":1.0}`, `{"n":1}`},
		{`{"big":12345678901234567890}`, `{"big":12345678901234567000}`},
	}
	for _, c := range cases {
		b, err := MarshalJSON(mustJSON(t, c.in))
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != c.want {
			t.Errorf("MarshalJSON(%s) = %s, want %s", c.in, b, c.want)
		}
	}
}

func TestJSONEqual(t *testing.T) {
	cases := []struct {
		a, b string
		want bool
	}{
		{"1", "1.0", true},
		{`{"a":[1,{"b":null}]}`, `{"a":[1.0,{"b":null}]}`, true},
		{`{"a":1}`, `{"a":1,"b":2}`, false},
		{`[1,2]`, `[2,1]`, false},
		{`"1"`, `1`, false},
		{`null`, `false`, false},
	}
	for _, c := range cases {
		if got := jsonEqual(mustJSON(t, c.a), mustJSON(t, c.b)); got != c.want {
			t.Errorf("jsonEqual(%s, %s) = %v", c.a, c.b, got)
		}
	}
}
