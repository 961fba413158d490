package asl

import (
	"errors"
	"unicode/utf8"
)

// matchToken is one element of a StringMatches pattern: a literal rune or,
// when star is set, the "*" wildcard matching any run of characters.
type matchToken struct {
	r    rune
	star bool
}

// compilePattern parses a StringMatches pattern: "*" matches zero or more
// characters, "\*" a literal asterisk and "\\" a literal backslash.
func compilePattern(p string) ([]matchToken, error) {
	tokens := []matchToken{}
	for i := 0; i < len(p); {
		r, n := utf8.DecodeRuneInString(p[i:])
		i += n
		switch r {
		case '*':
			tokens = append(tokens, matchToken{star: true})
		case '\\':
			if i >= len(p) {
				return nil, errors.New("pattern ends with an unescaped backslash")
			}
			r, n = utf8.DecodeRuneInString(p[i:])
			i += n
			tokens = append(tokens, matchToken{r: r})
		default:
			tokens = append(tokens, matchToken{r: r})
		}
	}
	return tokens, nil
}

// matchPattern reports whether s matches the compiled pattern, using the
// linear-space backtracking wildcard algorithm.
func matchPattern(pattern []matchToken, s string) bool {
	text := []rune(s)
	p, t := 0, 0
	starP, starT := -1, 0
	for t < len(text) {
		switch {
		case p < len(pattern) && pattern[p].star:
			starP, starT = p, t
			p++
		case p < len(pattern) && pattern[p].r == text[t]:
			p++
			t++
		case starP >= 0:
			starT++
			p, t = starP+1, starT
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p].star {
		p++
	}
	return p == len(pattern)
}
