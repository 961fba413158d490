// Package identitytest writes records as tollgate's admission webhook signed them before
// version 2 (HMAC-SHA256 with the record key), for specs that start from objects of that time.
// It is its own implementation of that form, so that the operator's reading of it is checked
// against something it did not write.
package identitytest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/tollgate-dev/tollgate/internal/identity"
)

// SignDecision writes a decision record of version 1, signed with key.
func SignDecision(key []byte, d identity.Decision) (string, error) {
	d.Version, d.MAC = 1, ""
	return sign(key, "tollgate.dev/decision", &d, &d.MAC)
}

// SignRequester writes a requester record of version 1, signed with key.
func SignRequester(key []byte, r identity.Requester) (string, error) {
	r.Version, r.MAC = 1, ""
	return sign(key, "tollgate.dev/requester", &r, &r.MAC)
}

func sign(key []byte, kind string, rec any, mac *string) (string, error) {
	body, err := json.Marshal(rec)
	if err != nil {
		return "", fmt.Errorf("encoding a %s record: %w", kind, err)
	}
	h := hmac.New(sha256.New, key)
	h.Write([]byte(kind + "\x00"))
	h.Write(body)
	*mac = base64.RawURLEncoding.EncodeToString(h.Sum(nil))
	out, err := json.Marshal(rec)
	return string(out), err
}
