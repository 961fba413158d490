package notify

import (
	"net/mail"
	"os"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func TestParseAddress(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"alice@example.com", true},
		{"security-oncall+tollgate@lists.example.com", true},
		{"a@localhost", true},
		{"Alice <alice@example.com>", false},
		{"alice@example.com\r\nBcc: evil@example.com", false},
		{"alice@example.com>\r\nRCPT TO:<evil@example.com", false},
		{"<alice@example.com>", false},
		{"alice", false},
		{"alice@", false},
		{"a..b@example.com", false},
		{".a@example.com", false},
		{"alice@-example.com", false},
		{"ålice@example.com", false},
		{"alice@exämple.com", false},
		{`"al ice"@example.com`, false},
		{strings.Repeat("a", 250) + "@b.co", false},
	} {
		_, err := parseAddress(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("parseAddress(%q) = %v, want ok %v", tc.in, err, tc.ok)
		}
	}
}

// The sender checks addresses with the pattern the schema checks them with: the CRDs carry
// addressPattern's text for every address field.
func TestAddressPatternIsTheSchemas(t *testing.T) {
	raw, err := os.ReadFile("../../config/crd/bases/approvals.tollgate.dev_notificationconfigs.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var crd map[string]any
	if err := yaml.Unmarshal(raw, &crd); err != nil {
		t.Fatal(err)
	}
	var patterns []string
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if k == "pattern" && (strings.HasSuffix(path, ".from") || strings.HasSuffix(path, ".email")) {
					patterns = append(patterns, x.(string))
				}
				walk(path+"."+k, x)
			}
		case []any:
			for _, x := range v {
				walk(path, x)
			}
		}
	}
	walk("", crd)
	if len(patterns) != 2 {
		t.Fatalf("found %d address patterns in the CRD, want 2 (from, recipients' email)", len(patterns))
	}
	for _, p := range patterns {
		if p != addressPattern.String() {
			t.Errorf("the CRD's address pattern %q is not the sender's %q", p, addressPattern.String())
		}
	}
}

// FuzzParseAddress: an address the parser accepts is one line, a bare RFC 5322 addr-spec, and
// goes into a header and an SMTP command as it is.
func FuzzParseAddress(f *testing.F) {
	for _, s := range []string{"alice@example.com", "a@b", "A <a@b.c>", "a@b\r\nBcc: c@d", "a..b@c", `"x"@y`, "x@y.", "é@x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseAddress(s)
		if err != nil {
			return
		}
		if got != s || strings.ContainsAny(got, "\r\n <>\"(),:;[]\\") || len(got) > maxAddressLength {
			t.Fatalf("accepted %q as %q", s, got)
		}
		a, err := mail.ParseAddress((&mail.Address{Address: got}).String())
		if err != nil || a.Address != got {
			t.Fatalf("%q does not survive a header: %v, %v", got, a, err)
		}
	})
}
