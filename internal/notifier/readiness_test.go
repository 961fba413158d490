package notifier

import (
	"context"
	"errors"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// The API server's answers, as the checker's narrow interfaces see them: which Secrets the
// manager may get, and which exist (tollgate's envtest specs check the real ones).
type grants map[string]bool

func (g grants) MayGet(_ context.Context, _, name string) (bool, error) { return g[name], nil }

type held map[string]map[string][]byte

func (s held) SecretData(_ context.Context, _, name string) (map[string][]byte, error) {
	data, ok := s[name]
	if !ok {
		return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "secrets"}, name)
	}
	return data, nil
}

func TestCheckChannels(t *testing.T) {
	const password = "pa55word-never-shown"
	mail := v1.NotificationChannel{Name: "mail", Email: &v1.EmailChannel{CredentialsSecretRef: &v1.SecretReference{Name: "smtp"}}}
	hook := v1.NotificationChannel{Name: "hook", Webhook: &v1.WebhookChannel{SigningSecretRef: v1.SecretReference{Name: "hook"}}}
	relay := v1.NotificationChannel{Name: "relay", Email: &v1.EmailChannel{Host: "localhost"}}
	good := held{
		"smtp": {"username": []byte("tollgate"), "password": []byte(password)},
		"hook": {"secret": []byte("whsec_" + strings.Repeat("A", 44))},
	}
	both := grants{"smtp": true, "hook": true}
	for _, tc := range []struct {
		name     string
		channels []v1.NotificationChannel
		grants   grants
		held     held
		reason   string
		message  []string
	}{
		{name: "no Secret named: ready", channels: []v1.NotificationChannel{relay}, reason: v1.ReasonChannelsReady, message: []string{"name no Secret"}},
		{name: "granted, present, complete: ready", channels: []v1.NotificationChannel{mail, hook}, grants: both, held: good, reason: v1.ReasonChannelsReady},
		{name: "not granted: what to do, never read", channels: []v1.NotificationChannel{mail}, grants: grants{}, held: good,
			reason: v1.ReasonSecretNotGranted, message: []string{"channel mail (email.credentialsSecretRef): tollgate may not read the Secret team/smtp", "grants tollgate's service account get"}},
		{name: "granted but missing", channels: []v1.NotificationChannel{mail}, grants: both, held: held{},
			reason: v1.ReasonSecretMissing, message: []string{"channel mail (email.credentialsSecretRef): the Secret team/smtp does not exist"}},
		{name: "a key missing", channels: []v1.NotificationChannel{mail}, grants: both, held: held{"smtp": {"username": []byte("tollgate")}},
			reason: v1.ReasonSecretKeyMissing, message: []string{`the Secret team/smtp has no key "password"`}},
		{name: "a signing secret not of the whsec_ form", channels: []v1.NotificationChannel{hook}, grants: both, held: held{"hook": {"secret": []byte(password)}},
			reason: v1.ReasonSecretInvalid, message: []string{"channel hook (webhook.signingSecretRef): the Secret team/hook cannot be used", "whsec_"}},
		{name: "every problem named, the first's reason", channels: []v1.NotificationChannel{mail, hook}, grants: grants{"hook": true}, held: held{},
			reason: v1.ReasonSecretNotGranted, message: []string{"team/smtp", "; channel hook (webhook.signingSecretRef): the Secret team/hook does not exist"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := checkChannels(context.Background(), tc.channels, "team", tc.grants, tc.held)
			if err != nil {
				t.Fatal(err)
			}
			if r.reason != tc.reason || r.ready != (tc.reason == v1.ReasonChannelsReady) {
				t.Errorf("ready %v, reason %s; want %s (%s)", r.ready, r.reason, tc.reason, r.message)
			}
			for _, m := range tc.message {
				if !strings.Contains(r.message, m) {
					t.Errorf("message %q, want it to say %q", r.message, m)
				}
			}
			if strings.Contains(r.message, password) {
				t.Errorf("message %q quotes a Secret's value", r.message)
			}
		})
	}
}

// A Secret several fields name is asked about and read once; an API server that does not answer
// is no finding.
type counting struct {
	grants
	asked int
	err   error
}

func (c *counting) MayGet(ctx context.Context, ns, name string) (bool, error) {
	c.asked++
	if c.err != nil {
		return false, c.err
	}
	return c.grants.MayGet(ctx, ns, name)
}

func TestCheckChannelsAsksOnce(t *testing.T) {
	shared := v1.NotificationChannel{Name: "mail", Email: &v1.EmailChannel{CredentialsSecretRef: &v1.SecretReference{Name: "smtp"}, CASecretRef: &v1.SecretReference{Name: "smtp"}}}
	access := &counting{grants: grants{}}
	r, err := checkChannels(context.Background(), []v1.NotificationChannel{shared, shared}, "team", access, held{})
	if err != nil || access.asked != 1 || r.reason != v1.ReasonSecretNotGranted || strings.Count(r.message, "may not read") != 4 {
		t.Errorf("asked %d times: %+v, %v", access.asked, r, err)
	}
	access = &counting{err: errors.New("connection refused")}
	if _, err := checkChannels(context.Background(), []v1.NotificationChannel{shared}, "team", access, held{}); err == nil {
		t.Error("no error when the API server did not answer")
	}
}
