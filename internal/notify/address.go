package notify

import (
	"fmt"
	"net/mail"
	"regexp"
)

// addressPattern is the schema's pattern for an e-mail address (spec.channels[].email.from,
// spec.recipients[].email): HTML's "valid e-mail address", ASCII only, without the backtick.
var addressPattern = regexp.MustCompile(`^[A-Za-z0-9.!#$%&'*+/=?^_{|}~-]+@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$`)

// maxAddressLength is the longest address SMTP carries (RFC 5321's forward-path, less the
// angle brackets).
const maxAddressLength = 254

// parseAddress checks an e-mail address as it goes into a MAIL FROM, a RCPT TO and a header:
// a bare addr-spec (no display name, no comment), ASCII, that the schema's pattern and RFC
// 5322 (net/mail) both accept as it is. The schema checked it already; this is the sender's own
// check, for what an older schema or a direct write let through.
func parseAddress(s string) (string, error) {
	if len(s) > maxAddressLength || !addressPattern.MatchString(s) {
		return "", fmt.Errorf("%q is not an e-mail address tollgate sends to", s)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", fmt.Errorf("%q is not an e-mail address tollgate sends to", s)
	}
	return s, nil
}
