package notify

import (
	"cmp"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"k8s.io/utils/clock"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/metrics"
)

// The keys tollgate reads in the Secrets a channel names.
const (
	SecretKeyUsername = "username"
	SecretKeyPassword = "password"
	SecretKeyCA       = "ca.crt"
	SecretKeySigning  = "secret"
)

// SecretReader reads a Secret's data: the caller's narrow window on the API, for the few
// Secrets channels name (the Destination says in which namespace). An error wrapping
// ErrSecretNotGranted says the reader may not read that Secret.
type SecretReader interface {
	SecretData(ctx context.Context, namespace, name string) (map[string][]byte, error)
}

// ErrSecretNotGranted is a SecretReader's answer for a Secret nobody let tollgate read.
var ErrSecretNotGranted = errors.New("not granted")

// Notifier sends messages. It keeps nothing between calls: what was sent is the caller's record.
type Notifier struct {
	Secrets SecretReader
	Clock   clock.PassiveClock
	// Schedule says whether a failed attempt is followed by another, and when.
	Schedule Schedule
	// Timeout bounds one attempt, from the dial to the server's answer (DefaultTimeout when 0).
	Timeout time.Duration
	// HelloName is the name the SMTP client gives in EHLO ("localhost" when empty).
	HelloName string
}

// DefaultTimeout bounds an attempt when the Notifier names no Timeout.
const DefaultTimeout = 30 * time.Second

// maxFailure is the most characters of a failure the schema records.
const maxFailure = 512

// Result is the outcome of one attempt at one destination, to be recorded.
type Result struct {
	Route, Channel string
	Type           ChannelType
	// At is when the attempt started; Attempts counts it.
	At       time.Time
	Attempts int
	// Failure is why it failed ("" when the channel took the message), on one line, with every
	// secret value taken out.
	Failure string
	// Retry is when the next attempt is due: zero once delivered, or when none follows.
	Retry time.Time
}

// Record is the result as the ledger keeps it.
func (r Result) Record() Record {
	return Record{Route: r.Route, Channel: r.Channel, At: r.At, Attempts: r.Attempts, Failure: r.Failure}
}

// Send makes one attempt at each delivery of m, all at once, and returns their results in the
// same order. It waits for no retry: Result.Retry says when the caller should call again.
func (n *Notifier) Send(ctx context.Context, m Message, deliveries []Delivery) []Result {
	results := make([]Result, len(deliveries))
	var wg sync.WaitGroup
	for i, d := range deliveries {
		wg.Go(func() { results[i] = n.attempt(ctx, m, d) })
	}
	wg.Wait()
	return results
}

// attempt tries one delivery and counts it.
func (n *Notifier) attempt(ctx context.Context, m Message, d Delivery) Result {
	r := Result{Route: d.Route, Channel: d.Channel, Type: d.Type, At: n.Clock.Now(), Attempts: d.Attempts + 1}
	timeout := n.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var hidden secrets
	err := n.deliver(ctx, m, d.Destination, r.At, &hidden)
	if err == nil {
		metrics.Notification(string(d.Type), metrics.NotificationSent)
		return r
	}
	// What a server answered is shown in status, events and the plugin's tables: one line of text,
	// within the schema's bound, scrubbed again once cleaning joined its lines.
	r.Failure = hidden.scrub(oneLine(hidden.scrub(err.Error()), maxFailure))
	if retry, ok := n.Schedule.Retry(d.ID, r.Attempts, r.At); ok {
		r.Retry = retry
		metrics.Notification(string(d.Type), metrics.NotificationFailed)
	} else {
		metrics.Notification(string(d.Type), metrics.NotificationAbandoned)
	}
	return r
}

// deliver renders m for d's channel and sends it, noting in hidden every secret value read.
func (n *Notifier) deliver(ctx context.Context, m Message, d Destination, at time.Time, hidden *secrets) error {
	id := d.ID
	switch {
	case d.Email != nil:
		server := smtpServer{Host: d.Email.Host, Port: int(d.Email.Port), TLS: d.Email.TLS, HelloName: cmp.Or(n.HelloName, "localhost")}
		if ref := d.Email.CredentialsSecretRef; ref != nil {
			data, err := n.secret(ctx, d.SecretNamespace, ref.Name, SecretKeyUsername, SecretKeyPassword)
			if err != nil {
				return err
			}
			server.Username, server.Password = string(data[SecretKeyUsername]), string(data[SecretKeyPassword])
			hidden.add(server.Password, "\x00"+server.Username+"\x00"+server.Password)
		}
		var err error
		if server.RootCAs, err = n.roots(ctx, d.SecretNamespace, d.Email.CASecretRef); err != nil {
			return err
		}
		data, err := renderMail(m, d.Link, d.Email.From, d.To, id, at)
		if err != nil {
			return err
		}
		return sendMail(ctx, server, d.Email.From, d.To, data)
	case d.Webhook != nil:
		data, err := n.secret(ctx, d.SecretNamespace, d.Webhook.SigningSecretRef.Name, SecretKeySigning)
		if err != nil {
			return err
		}
		hidden.add(string(data[SecretKeySigning]))
		e := webhookEndpoint{URL: d.Webhook.URL}
		if e.Key, err = parseSigningSecret(data[SecretKeySigning]); err != nil {
			return fmt.Errorf("the Secret %s/%s: %w", d.SecretNamespace, d.Webhook.SigningSecretRef.Name, err)
		}
		hidden.add(string(e.Key))
		if e.RootCAs, err = n.roots(ctx, d.SecretNamespace, d.Webhook.CASecretRef); err != nil {
			return err
		}
		body, err := renderEvent(m, d.Link, id)
		if err != nil {
			return err
		}
		return postEvent(ctx, e, id, at, body)
	}
	return errors.New("a destination of no channel kind tollgate sends through")
}

// secret reads a Secret and checks it has keys.
func (n *Notifier) secret(ctx context.Context, namespace, name string, keys ...string) (map[string][]byte, error) {
	data, err := n.Secrets.SecretData(ctx, namespace, name)
	if errors.Is(err, ErrSecretNotGranted) {
		return nil, fmt.Errorf("%s: %w", SecretNotGranted(namespace, name), err)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the Secret %s/%s: %w", namespace, name, err)
	}
	if k := missingKey(data, keys); k != "" {
		return nil, fmt.Errorf("the Secret %s/%s has no key %q", namespace, name, k)
	}
	return data, nil
}

// roots are the certificates of a channel's caSecretRef; nil (the system's) without one.
func (n *Notifier) roots(ctx context.Context, namespace string, ref *v1.SecretReference) (*x509.CertPool, error) {
	if ref == nil {
		return nil, nil
	}
	data, err := n.secret(ctx, namespace, ref.Name, SecretKeyCA)
	if err != nil {
		return nil, err
	}
	pool, err := certPool(data[SecretKeyCA])
	if err != nil {
		return nil, fmt.Errorf("the Secret %s/%s: %w", namespace, ref.Name, err)
	}
	return pool, nil
}

// messageID identifies a message at a destination (Destination.ID), the same on every attempt
// and after a restart: the webhook-id and CloudEvent id, and the mail's Message-ID, by which a
// receiver recognises a message it already has, and the key of the delivery's retry jitter.
func messageID(m Message, d Destination) string {
	sum := sha256.Sum256([]byte(m.Request.UID + "\x00" + string(m.Kind) + "\x00" + m.Slot + "\x00" + d.Route + "\x00" + d.Channel))
	return "msg_" + hex.EncodeToString(sum[:16])
}
