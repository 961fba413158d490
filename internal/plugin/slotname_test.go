package plugin

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseSlot(t *testing.T) {
	for _, ok := range []string{"alice", "a", "security-oncall", "a1", strings.Repeat("x", 55)} {
		if got, err := parseSlot(ok); err != nil || got != ok {
			t.Errorf("parseSlot(%q) = %q, %v", ok, got, err)
		}
	}
	for value, want := range map[string]string{
		"":                      "--slot is empty",
		"Alice":                 "is not a slot name",
		"-a":                    "is not a slot name",
		"a-":                    "is not a slot name",
		"a.b":                   "is not a slot name",
		strings.Repeat("x", 56): "at most 55",
	} {
		if _, err := parseSlot(value); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseSlot(%q) error = %v, want %q", value, err, want)
		}
	}
}

// FuzzParseSlot: a slot parseSlot accepts is a name the CRD's schema accepts (DNS-1123 label,
// at most 55 characters) returned unchanged; anything else is an error whose message is short
// valid UTF-8, however long or malformed the input.
func FuzzParseSlot(f *testing.F) {
	for _, s := range []string{"alice", "", "A", "-", "a-b", "a--b", "a\x00", "\xff", strings.Repeat("a", 56), "ä"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		got, err := parseSlot(value)
		if err != nil {
			if !utf8.ValidString(err.Error()) || len(err.Error()) > 1024 {
				t.Fatalf("error for %q is not short valid UTF-8: %q", value, err)
			}
			return
		}
		if got != value || len(got) == 0 || len(got) > maxSlotLength || got[0] == '-' || got[len(got)-1] == '-' {
			t.Fatalf("parseSlot(%q) = %q", value, got)
		}
		for _, r := range got {
			if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
				t.Fatalf("parseSlot(%q) accepted %q", value, r)
			}
		}
	})
}
