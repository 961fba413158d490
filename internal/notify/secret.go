package notify

import (
	"encoding/base64"
	"errors"
	"strings"
)

// signingSecretPrefix starts a Standard Webhooks signing secret.
const signingSecretPrefix = "whsec_"

// The key lengths Standard Webhooks allows: 24 to 64 bytes.
const (
	minSigningKeyBytes = 24
	maxSigningKeyBytes = 64
)

// errSigningSecret never quotes the value: it is a secret.
var errSigningSecret = errors.New("the signing secret is not of the form whsec_<base64 of 24 to 64 bytes>")

// parseSigningSecret reads a Standard Webhooks signing secret, `whsec_` and the standard base64
// of the key, and returns the key. Surrounding white space (a trailing newline of a file made
// into a Secret) is ignored; nothing else is.
func parseSigningSecret(secret []byte) ([]byte, error) {
	s, ok := strings.CutPrefix(strings.TrimSpace(string(secret)), signingSecretPrefix)
	if !ok {
		return nil, errSigningSecret
	}
	key, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || len(key) < minSigningKeyBytes || len(key) > maxSigningKeyBytes {
		return nil, errSigningSecret
	}
	return key, nil
}
