// Package tokenseal keeps Step Functions task tokens unreadable to whoever can read an
// ApprovalRequest. A token in status is sealed (AES-256-GCM) with a key only the operator
// holds, and bound to its request and slot: a requester, an approver or a viewer who copies
// it holds nothing SendTaskSuccess accepts, and a sealed token moved to another slot or
// request does not open.
package tokenseal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// KeySize is the length of a key: AES-256.
const KeySize = 32

// prefix starts every sealed token; Step Functions' own tokens never contain a dot this early
// (they are base64), so a stored value is told apart at a glance.
const prefix = "sealed.v1."

// ErrNotSealed is the error of Open on a value that was never sealed (a token recorded before
// tokens were sealed).
var ErrNotSealed = errors.New("the token is not sealed")

// Keyring holds the operator's token keys by id. The newest key (the highest id) seals; every
// key opens, so that a rotation leaves the tokens sealed before it readable.
type Keyring struct {
	aeads   map[string]cipher.AEAD
	current string
}

// New builds a keyring from keys by id. Ids are positive integers ("1", "2", ...): the highest
// seals.
func New(keys map[string][]byte) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("no token key")
	}
	k := &Keyring{aeads: map[string]cipher.AEAD{}}
	ids := make([]int, 0, len(keys))
	for id, key := range keys {
		n, err := strconv.Atoi(id)
		if err != nil || n < 1 || strconv.Itoa(n) != id {
			return nil, fmt.Errorf("token key id %q is not a positive integer", id)
		}
		if len(key) != KeySize {
			return nil, fmt.Errorf("token key %s has %d bytes, want %d", id, len(key), KeySize)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("token key %s: %w", id, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("token key %s: %w", id, err)
		}
		k.aeads[id] = aead
		ids = append(ids, n)
	}
	slices.Sort(ids)
	k.current = strconv.Itoa(ids[len(ids)-1])
	return k, nil
}

// NewKey returns a fresh random key.
func NewKey() []byte {
	key := make([]byte, KeySize)
	_, _ = rand.Read(key) // crypto/rand.Read never fails (Go 1.24+)
	return key
}

// Seal seals token for binding (the request and slot it belongs to).
func (k *Keyring) Seal(token, binding string) string {
	aead := k.aeads[k.current]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(token)+aead.Overhead())
	_, _ = rand.Read(nonce)
	sealed := aead.Seal(nonce, nonce, []byte(token), []byte(binding))
	return prefix + k.current + "." + base64.RawURLEncoding.EncodeToString(sealed)
}

// Open returns the token sealed in value for binding. It fails with ErrNotSealed on a value
// that was never sealed, and with an error naming the key on one sealed with a key this
// keyring does not hold, or for another binding, or altered.
func (k *Keyring) Open(value, binding string) (string, error) {
	rest, ok := strings.CutPrefix(value, prefix)
	if !ok {
		return "", ErrNotSealed
	}
	id, body, ok := strings.Cut(rest, ".")
	if !ok {
		return "", errors.New("the sealed token has no key id")
	}
	aead := k.aeads[id]
	if aead == nil {
		return "", fmt.Errorf("the token is sealed with key %q, which this operator does not hold", id)
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(raw) < aead.NonceSize() {
		return "", errors.New("the sealed token is not well-formed")
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(binding))
	if err != nil {
		return "", fmt.Errorf("the sealed token does not open with key %s for this request and slot", id)
	}
	return string(plain), nil
}

// Binding is what a slot's token is sealed for: the request (by UID) and the slot.
func Binding(uid, slot string) string { return uid + "/" + slot }

// Sealed reports whether value is a sealed token (whether or not it opens).
func Sealed(value string) bool { return strings.HasPrefix(value, prefix) }
