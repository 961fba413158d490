package asl

import (
	"errors"
	"testing"
)

// mustJSON parses a JSON literal used in a test table.
func mustJSON(t testing.TB, s string) any {
	t.Helper()
	v, err := ParseJSON([]byte(s))
	if err != nil {
		t.Fatalf("ParseJSON(%s): %v", s, err)
	}
	return v
}

// assertJSON compares got with the JSON literal want.
func assertJSON(t testing.TB, got any, want string) {
	t.Helper()
	if !jsonEqual(got, mustJSON(t, want)) {
		b, _ := MarshalJSON(got)
		t.Fatalf("got %s, want %s", b, want)
	}
}

// assertErrorName checks that err is an *Error called name.
func assertErrorName(t testing.TB, err error, name string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not an *asl.Error", err)
	}
	if e.Name != name {
		t.Fatalf("error name = %q, want %q (%v)", e.Name, name, err)
	}
}
