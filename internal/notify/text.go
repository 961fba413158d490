package notify

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// cleanText is text a user wrote (a description, a comment) made safe to show in any channel:
// line ends (CR, CRLF, the Unicode line and paragraph separators) become \n; control characters
// other than \n and \t, bidirectional overrides and isolates (which make text read other than
// it is, "Trojan Source") and invalid UTF-8 are replaced with U+FFFD, so that what a person
// reads is what was written, visibly.
func cleanText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s))
	for i, w := 0, 0; i < len(s); i += w {
		r, size := utf8.DecodeRuneInString(s[i:])
		w = size
		switch {
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r == '\r', r == '\u2028', r == '\u2029':
			b.WriteRune('\n')
		case r == utf8.RuneError && size <= 1, unicode.IsControl(r), isBidiControl(r):
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isBidiControl reports the characters that reorder text: the embeddings and overrides
// (U+202A-U+202E), the isolates (U+2066-U+2069) and the marks (U+200E, U+200F, U+061C).
func isBidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x200E || r == 0x200F || r == 0x061C
}

// oneLine is cleanText on a single line: every line end and tab becomes a space and runs of
// spaces one, cut to at most limit runes with an ellipsis.
func oneLine(s string, limit int) string {
	s = strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return ' '
		}
		return r
	}, cleanText(s))), " ")
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	runes := []rune(s)
	return strings.TrimRight(string(runes[:limit-1]), " ") + "…"
}

// quoted is cleanText with every line behind "| ": what a user wrote is told apart from what
// tollgate says (a description cannot pass for the commands that follow it).
func quoted(s string) string {
	lines := strings.Split(cleanText(s), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight("| "+l, " ")
	}
	return strings.Join(lines, "\n")
}
