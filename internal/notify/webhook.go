package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// The headers of a signed webhook (Standard Webhooks).
const (
	headerWebhookID        = "webhook-id"
	headerWebhookTimestamp = "webhook-timestamp"
	headerWebhookSignature = "webhook-signature"
	headerContentType      = "Content-Type"
)

// maxResponseBytes is how much of a receiver's answer is read (and dropped) so that the
// connection can be reused.
const maxResponseBytes = 4096

// webhookEndpoint is where and how a webhook channel posts.
type webhookEndpoint struct {
	URL string
	// Key is the signing key, as the Secret's `whsec_` value encodes it.
	Key []byte
	// RootCAs verify the endpoint's certificate (nil: the system's).
	RootCAs *x509.CertPool
}

// postEvent posts body to e, signed as Standard Webhooks says: HMAC-SHA256 with e's key over
// "<id>.<timestamp>.<body>", timestamp being at (the attempt's time: each retry is signed anew,
// with the same id, by which the receiver recognises a message it already has). Redirects are
// not followed: a signed notification goes where the administrator said, or fails.
func postEvent(ctx context.Context, e webhookEndpoint, id string, at time.Time, body []byte) error {
	signer, err := standardwebhooks.NewWebhookRaw(e.Key)
	if err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	signature, err := signer.Sign(id, at, body)
	if err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(body))
	if err != nil {
		return errors.New("the channel's url is not one tollgate can post to")
	}
	// The schema's rule, checked again for what an older schema or a direct write let through.
	if req.URL.Scheme != "https" {
		return errors.New("the channel's url is not an https URL: tollgate posts nothing in plain text")
	}
	req.Header.Set(headerContentType, cloudEventsContentType)
	req.Header.Set(headerWebhookID, id)
	req.Header.Set(headerWebhookTimestamp, strconv.FormatInt(at.Unix(), 10))
	req.Header.Set(headerWebhookSignature, signature)
	transport := &http.Transport{
		Proxy:           http.ProxyFromEnvironment,
		TLSClientConfig: &tls.Config{RootCAs: e.RootCAs, MinVersion: tls.VersionTLS12},
	}
	defer transport.CloseIdleConnections()
	client := &http.Client{
		Transport:     transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	if err != nil {
		// A url.Error quotes the URL, which may carry a token in its path or query: say the
		// host alone.
		if ue, ok := errors.AsType[*url.Error](err); ok {
			return fmt.Errorf("POST to %s: %w", req.URL.Host, ue.Err)
		}
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBytes))
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("POST to %s: the receiver answered %s", req.URL.Host, resp.Status)
	}
	return nil
}
