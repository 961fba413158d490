package notify

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/smtptest"
)

// A channel's Secrets are checked for what a send reads: the same keys, the same forms.
func TestSecretUses(t *testing.T) {
	email := v1.NotificationChannel{Name: "mail", Email: &v1.EmailChannel{Host: "smtp.example.com", Port: 587, From: "t@example.com",
		CredentialsSecretRef: &v1.SecretReference{Name: "smtp"}, CASecretRef: &v1.SecretReference{Name: "smtp-ca"}}}
	hook := v1.NotificationChannel{Name: "hook", Webhook: &v1.WebhookChannel{URL: "https://h.example.com", SigningSecretRef: v1.SecretReference{Name: "hook"}}}
	got := func(ch v1.NotificationChannel) string {
		uses := SecretUses(ch)
		s := make([]string, 0, len(uses))
		for _, u := range uses {
			s = append(s, fmt.Sprintf("%s=%s%v", u.Field, u.Name, u.Keys))
		}
		return strings.Join(s, " ")
	}
	if g := got(email); g != "email.credentialsSecretRef=smtp[username password] email.caSecretRef=smtp-ca[ca.crt]" {
		t.Errorf("e-mail: %s", g)
	}
	if g := got(hook); g != "webhook.signingSecretRef=hook[secret]" {
		t.Errorf("webhook: %s", g)
	}
	if g := got(v1.NotificationChannel{Name: "relay", Email: &v1.EmailChannel{Host: "localhost", Port: 25, From: "t@example.com"}}); g != "" {
		t.Errorf("a relay without credentials names %s", g)
	}
}

func TestSecretUseCheck(t *testing.T) {
	const notSigning = "hunter2-is-not-a-signing-secret"
	ca := string(smtptest.Start(t, smtptest.Options{TLS: smtptest.StartTLS, Mechanisms: []string{"PLAIN"}}).CA)
	uses := map[string]SecretUse{}
	for _, ch := range []v1.NotificationChannel{
		{Email: &v1.EmailChannel{CredentialsSecretRef: &v1.SecretReference{Name: "smtp"}, CASecretRef: &v1.SecretReference{Name: "ca"}}},
		{Webhook: &v1.WebhookChannel{SigningSecretRef: v1.SecretReference{Name: "hook"}}},
	} {
		for _, u := range SecretUses(ch) {
			uses[u.Field] = u
		}
	}
	for _, tc := range []struct {
		name, field string
		data        map[string]string
		want        error
	}{
		{"credentials", "email.credentialsSecretRef", map[string]string{"username": "u", "password": "p"}, nil},
		{"no password", "email.credentialsSecretRef", map[string]string{"username": "u"}, ErrSecretKeyMissing},
		{"an empty password", "email.credentialsSecretRef", map[string]string{"username": "u", "password": ""}, ErrSecretKeyMissing},
		{"a CA", "email.caSecretRef", map[string]string{"ca.crt": ca}, nil},
		{"a CA that is no PEM", "email.caSecretRef", map[string]string{"ca.crt": "not a certificate"}, ErrSecretInvalid},
		{"a signing secret", "webhook.signingSecretRef", map[string]string{"secret": "whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 32))}, nil},
		{"a signing secret not of the whsec_ form", "webhook.signingSecretRef", map[string]string{"secret": notSigning}, ErrSecretInvalid},
		{"no signing secret", "webhook.signingSecretRef", map[string]string{"signing": notSigning}, ErrSecretKeyMissing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := map[string][]byte{}
			for k, v := range tc.data {
				data[k] = []byte(v)
			}
			err := uses[tc.field].Check(data)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("Check: %v, want %v", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), notSigning) {
				t.Errorf("the problem %q quotes a value", err)
			}
		})
	}
}
