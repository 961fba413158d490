package notify

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

func TestParseSigningSecret(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	good := "whsec_" + base64.StdEncoding.EncodeToString(key)
	for _, tc := range []struct {
		name, in string
		ok       bool
	}{
		{"the Standard Webhooks form", good, true},
		{"with the newline a file leaves", good + "\n", true},
		{"24 bytes, the shortest", "whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 24)), true},
		{"64 bytes, the longest", "whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 64)), true},
		{"23 bytes", "whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 23)), false},
		{"65 bytes", "whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 65)), false},
		{"without the prefix", base64.StdEncoding.EncodeToString(key), false},
		{"raw bytes", string(key), false},
		{"URL-safe base64", "whsec_" + base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, 32)), false},
		{"unpadded", "whsec_" + base64.RawStdEncoding.EncodeToString(make([]byte, 32)), false},
		{"empty", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key, err := parseSigningSecret([]byte(tc.in))
			if (err == nil) != tc.ok {
				t.Fatalf("parseSigningSecret: %v, want ok %v", err, tc.ok)
			}
			if err == nil && tc.ok && len(key) < minSigningKeyBytes {
				t.Errorf("a key of %d bytes", len(key))
			}
			if err != nil && strings.Contains(err.Error(), strings.TrimPrefix(tc.in, "whsec_")) && tc.in != "" {
				t.Errorf("the error %q quotes the secret", err)
			}
		})
	}
}

// FuzzParseSigningSecret: an accepted secret is a key of 24 to 64 bytes that the value encodes
// exactly; a refused one is never quoted in the error.
func FuzzParseSigningSecret(f *testing.F) {
	f.Add("whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 32)))
	f.Add("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	f.Add("whsec_")
	f.Add("whsec_====")
	f.Fuzz(func(t *testing.T, s string) {
		key, err := parseSigningSecret([]byte(s))
		if err != nil {
			if len(s) > 8 && strings.Contains(err.Error(), s) {
				t.Fatalf("the error quotes the secret: %v", err)
			}
			return
		}
		if len(key) < minSigningKeyBytes || len(key) > maxSigningKeyBytes {
			t.Fatalf("accepted a key of %d bytes", len(key))
		}
		if "whsec_"+base64.StdEncoding.EncodeToString(key) != strings.TrimSpace(s) {
			t.Fatalf("%q does not encode the key it was read as", s)
		}
	})
}
