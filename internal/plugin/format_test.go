package plugin

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"sigs.k8s.io/yaml"
)

func timeMinutes(n int) time.Duration { return time.Duration(n) * time.Minute }

func TestParseFormat(t *testing.T) {
	for value, want := range map[string]format{"": formatTable, "json": formatJSON, "yaml": formatYAML} {
		if got, err := parseFormat(value); err != nil || got != want {
			t.Errorf("parseFormat(%q) = %q, %v; want %q", value, got, err, want)
		}
	}
	for _, value := range []string{"JSON", " json", "wide", "jsonpath={.x}", "yml", "\xff"} {
		if _, err := parseFormat(value); err == nil || !strings.Contains(err.Error(), "-o json or -o yaml") {
			t.Errorf("parseFormat(%q) error = %v, want one naming the formats", value, err)
		}
	}
}

// FuzzParseFormat: any -o value is either one of the formats, printed back as given, or an
// error whose message is valid UTF-8 and of bounded length.
func FuzzParseFormat(f *testing.F) {
	for _, s := range []string{"", "json", "yaml", "JSON", "wide", "\xff\xfe", strings.Repeat("y", 5000)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		got, err := parseFormat(value)
		if err != nil {
			if !utf8.ValidString(err.Error()) || len(err.Error()) > 1024 {
				t.Fatalf("error for %q is not short valid UTF-8: %q", value, err)
			}
			return
		}
		if string(got) != value {
			t.Fatalf("parseFormat(%q) = %q", value, got)
		}
		if got != formatTable {
			var b bytes.Buffer
			if err := printStructured(&b, got, map[string]string{"k": value}); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestPrintStructuredParsesBack(t *testing.T) {
	v := viewOf(pendingRequest(), nil)
	for _, f := range []format{formatJSON, formatYAML} {
		var b bytes.Buffer
		if err := printStructured(&b, f, v); err != nil {
			t.Fatal(err)
		}
		var back requestView
		var err error
		if f == formatJSON {
			err = json.Unmarshal(b.Bytes(), &back)
		} else {
			err = yaml.UnmarshalStrict(b.Bytes(), &back)
		}
		if err != nil || back.Name != "deploy" || len(back.Approvers) != 3 || back.RequestedBy != ravi.Username {
			t.Fatalf("%s did not parse back: %v, %+v", f, err, back)
		}
	}
	if err := printStructured(&bytes.Buffer{}, formatTable, v); err == nil {
		t.Fatal("a table is not structured output")
	}
}
