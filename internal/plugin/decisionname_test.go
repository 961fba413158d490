package plugin

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

// An ApproverDecision's generated name ("<request>-<slot>-" and five random characters) is a
// valid object name for any request and slot name the schema admits.
func TestDecisionNamePrefix(t *testing.T) {
	long := strings.Repeat("a", 120) + "." + strings.Repeat("b", 132)
	for _, c := range []struct{ request, slot string }{
		{"deploy", "alice"},
		{long, strings.Repeat("s", 55)},
		{strings.Repeat("x", 247) + ".y", "slot"},
	} {
		prefix := decisionNamePrefix(c.request, c.slot)
		name := prefix + "abcde"
		if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
			t.Errorf("request %q, slot %q: %q is no valid name: %v", c.request, c.slot, name, errs)
		}
		if !strings.HasPrefix(c.request+"-"+c.slot+"-", strings.TrimSuffix(prefix, "-")) {
			t.Errorf("prefix %q does not start with the request and slot", prefix)
		}
	}
}
