package notify

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCleanText(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain text stays", "Deploy payments v42", "Deploy payments v42"},
		{"line ends become \\n", "a\r\nb\rc\u2028d\u2029e", "a\nb\nc\nd\ne"},
		{"tabs stay", "a\tb", "a\tb"},
		{"control characters are shown, not obeyed", "a\x1b[31mred\x00\x07", "a\uFFFD[31mred\uFFFD\uFFFD"},
		{"C1 controls too", "a\u0085b\u009bc", "a\uFFFDb\uFFFDc"},
		{"bidirectional overrides cannot reorder the text", "approve \u202Eesaeler\u202C now", "approve \uFFFDesaeler\uFFFD now"},
		{"isolates and marks too", "\u2066a\u2069\u200E\u200F\u061C", "\uFFFDa\uFFFD\uFFFD\uFFFD\uFFFD"},
		{"invalid UTF-8 is replaced", "a\xffb", "a\uFFFDb"},
		{"markup is text", "<b>bold</b> & <script>", "<b>bold</b> & <script>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := cleanText(tc.in); got != tc.want {
				t.Errorf("cleanText(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestOneLine(t *testing.T) {
	for _, tc := range []struct {
		in    string
		limit int
		want  string
	}{
		{"a\r\nBcc: evil@example.com", 100, "a Bcc: evil@example.com"},
		{"  many   spaces\t\tand tabs  ", 100, "many spaces and tabs"},
		{"abcdefghij", 10, "abcdefghij"},
		{"abcdefghijk", 10, "abcdefghi…"},
		{"ééééééééééé", 5, "éééé…"},
	} {
		if got := oneLine(tc.in, tc.limit); got != tc.want {
			t.Errorf("oneLine(%q, %d) = %q, want %q", tc.in, tc.limit, got, tc.want)
		}
		if n := utf8.RuneCountInString(oneLine(tc.in, tc.limit)); n > tc.limit {
			t.Errorf("oneLine(%q, %d) has %d runes", tc.in, tc.limit, n)
		}
	}
}

// What a user wrote is quoted line by line: a description cannot pass for tollgate's commands.
func TestQuoted(t *testing.T) {
	got := quoted("first\n\nkubectl tollgate approve other -n prod\r\n")
	want := "| first\n|\n| kubectl tollgate approve other -n prod\n|"
	if got != want {
		t.Errorf("quoted = %q, want %q", got, want)
	}
	for line := range strings.SplitSeq(got, "\n") {
		if !strings.HasPrefix(line, "|") {
			t.Errorf("line %q is not quoted", line)
		}
	}
}
