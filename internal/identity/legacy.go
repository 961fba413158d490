package identity

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// Signed reports whether a record is of the signed form of before version 2 (its signature is
// checked when it is read: Records).
func Signed(text string) bool {
	var r struct {
		Version int `json:"v"`
	}
	return json.Unmarshal([]byte(text), &r) == nil && r.Version == legacyVersion
}

// verifyLegacy checks a version 1 record's MAC: HMAC-SHA256 with the legacy key over the
// record's kind and its JSON with an empty MAC, as the admission webhook signed records before
// version 2.
func verifyLegacy(key []byte, kind string, rec any, mac *string) error {
	got := *mac
	*mac = ""
	defer func() { *mac = got }()
	body, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnverified, err)
	}
	if !hmac.Equal([]byte(got), []byte(legacyMAC(key, kind, body))) {
		return fmt.Errorf("%w: its signature does not match (forged, altered, or signed with another key)", ErrUnverified)
	}
	return nil
}

// legacyMAC is a version 1 record's MAC.
func legacyMAC(key []byte, kind string, body []byte) string {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write(body)
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}
