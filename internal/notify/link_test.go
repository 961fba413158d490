package notify

import (
	"net/url"
	"strings"
	"testing"
)

func TestParseLink(t *testing.T) {
	r := Request{Namespace: "payments", Name: "deploy-v42"}
	for _, tc := range []struct{ template, want, err string }{
		{"", "", ""},
		{"https://console.example.com/approvals/{namespace}/{name}", "https://console.example.com/approvals/payments/deploy-v42", ""},
		{"https://console.example.com:8443/r?ns={namespace}&n={name}#top", "https://console.example.com:8443/r?ns=payments&n=deploy-v42#top", ""},
		{"https://console.example.com/static", "https://console.example.com/static", ""},
		{"http://console.example.com/{name}", "", "not an https URL"},
		{"https:///{name}", "", "not an https URL"},
		{"https://{namespace}.example.com/{name}", "", "placeholder cannot stand in the host"},
		{"https://user:pass@console.example.com/{name}", "", "credentials"},
		{"https://console.example.com/{uid}", "", "the only placeholders"},
		{"https://console.example.com/{name", "", "the only placeholders"},
		{"javascript:alert(1)", "", "not an https URL"},
		{"https://console.example.com/%zz", "", "invalid URL escape"},
	} {
		l, err := ParseLink(tc.template)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseLink(%q) = %v, want an error with %q", tc.template, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseLink(%q): %v", tc.template, err)
			continue
		}
		if got := l.Expand(r); got != tc.want {
			t.Errorf("%q expands to %q, want %q", tc.template, got, tc.want)
		}
	}
}

// FuzzParseLink: a template the parser accepts expands, for any request, to an https URL of the
// template's host, with no credentials.
func FuzzParseLink(f *testing.F) {
	for _, s := range []string{"https://c.example.com/{namespace}/{name}", "https://c/{name}?x={namespace}", "https://{name}", "https://a@b/{name}", ""} {
		f.Add(s, "ns", "name")
	}
	f.Fuzz(func(t *testing.T, template, ns, name string) {
		l, err := ParseLink(template)
		if err != nil || template == "" {
			return
		}
		got := l.Expand(Request{Namespace: ns, Name: name})
		u, err := url.Parse(got)
		if err != nil {
			// The request's names are path-escaped; only a template whose own text is not a URL
			// after expansion could fail here, and the parser refused those.
			t.Fatalf("%q expands to %q, not a URL: %v", template, got, err)
		}
		if u.Scheme != "https" || u.User != nil || u.Host != hostOf(template) {
			t.Fatalf("%q expands to %q: scheme %q, user %v, host %q", template, got, u.Scheme, u.User, u.Host)
		}
	})
}
