package notify

import (
	"cmp"
	"encoding/base64"
	"slices"
	"strings"
)

// redacted stands where a secret value was.
const redacted = "[redacted]"

// secrets are the values an attempt must not let out: the Secrets' values it read, and the forms
// in which it sends them (SMTP AUTH sends base64). A failure is scrubbed of them before it is
// returned, since a server's error may echo what it received.
type secrets []string

// add notes a secret value and its base64 forms.
func (s *secrets) add(values ...string) {
	for _, v := range values {
		if v == "" {
			continue
		}
		*s = append(*s, v, base64.StdEncoding.EncodeToString([]byte(v)), base64.RawStdEncoding.EncodeToString([]byte(v)))
	}
}

// scrub is text with every secret value replaced, longest first (a value may contain another).
func (s secrets) scrub(text string) string {
	vals := slices.Clone(s)
	slices.SortFunc(vals, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	for _, v := range vals {
		text = strings.ReplaceAll(text, v, redacted)
	}
	return text
}
