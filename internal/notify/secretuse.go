package notify

import (
	"crypto/x509"
	"errors"
	"fmt"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// Kinds of problem with a Secret's content that SecretUse.Check reports (errors.Is).
var (
	ErrSecretKeyMissing = errors.New("has no key")
	ErrSecretInvalid    = errors.New("cannot be used")
)

// errNoPEM never quotes the value: a CA bundle is no secret, but it sits beside ones that are.
var errNoPEM = errors.New("key " + SecretKeyCA + " holds no PEM certificate")

// SecretUse is a Secret a channel names and what the channel reads in it: the same keys and
// forms a send reads, for a check ahead of any send (a NotificationConfig's Ready condition).
type SecretUse struct {
	// Field is the channel's field that names the Secret, as the spec spells it.
	Field string
	// Name is the Secret's name, in the namespace the channel's object reads Secrets from.
	Name string
	// Keys are the keys the channel reads; valid checks the form of their values (nil: any).
	Keys  []string
	valid func(map[string][]byte) error
}

// SecretUses are the Secrets ch names, in the order of its fields.
func SecretUses(ch v1.NotificationChannel) []SecretUse {
	var out []SecretUse
	ca := func(field string, ref *v1.SecretReference) {
		if ref != nil {
			out = append(out, SecretUse{Field: field, Name: ref.Name, Keys: []string{SecretKeyCA}, valid: validCA})
		}
	}
	if e := ch.Email; e != nil {
		if ref := e.CredentialsSecretRef; ref != nil {
			out = append(out, SecretUse{Field: "email.credentialsSecretRef", Name: ref.Name, Keys: []string{SecretKeyUsername, SecretKeyPassword}})
		}
		ca("email.caSecretRef", e.CASecretRef)
	}
	if w := ch.Webhook; w != nil {
		out = append(out, SecretUse{Field: "webhook.signingSecretRef", Name: w.SigningSecretRef.Name, Keys: []string{SecretKeySigning}, valid: validSigning})
		ca("webhook.caSecretRef", w.CASecretRef)
	}
	return out
}

// Check reports whether a Secret's data serves the use: ErrSecretKeyMissing for a key absent or
// empty, ErrSecretInvalid for a value of a form the channel cannot use. It never quotes a value.
func (u SecretUse) Check(data map[string][]byte) error {
	if k := missingKey(data, u.Keys); k != "" {
		return fmt.Errorf("%w %q", ErrSecretKeyMissing, k)
	}
	if u.valid == nil {
		return nil
	}
	if err := u.valid(data); err != nil {
		return fmt.Errorf("%w: %w", ErrSecretInvalid, err)
	}
	return nil
}

// missingKey is the first of keys that data lacks or holds empty ("" when none).
func missingKey(data map[string][]byte, keys []string) string {
	for _, k := range keys {
		if len(data[k]) == 0 {
			return k
		}
	}
	return ""
}

func validSigning(data map[string][]byte) error {
	_, err := parseSigningSecret(data[SecretKeySigning])
	return err
}

func validCA(data map[string][]byte) error {
	_, err := certPool(data[SecretKeyCA])
	return err
}

// certPool are the PEM certificates of a caSecretRef's ca.crt.
func certPool(pem []byte) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errNoPEM
	}
	return pool, nil
}

// SecretNotGranted says that tollgate may not read a Secret, and what to do about it.
func SecretNotGranted(namespace, name string) string {
	return fmt.Sprintf("tollgate may not read the Secret %s/%s: someone who may read it grants tollgate's service account get on it, by name "+
		"(docs/notifications.md, \"Secrets\")", namespace, name)
}
