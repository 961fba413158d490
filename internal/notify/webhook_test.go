package notify

import (
	"bytes"
	"context"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

// signingKey is the webhook key of the tests (32 bytes), and signingSecret its Secret value.
var (
	signingKey    = []byte("0123456789abcdef0123456789ABCDEF")
	signingSecret = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlBQkNERUY="
)

// webhookServer is a receiver behind HTTPS on loopback, and the roots that trust it.
func webhookServer(t *testing.T, h http.Handler) (*httptest.Server, *x509.CertPool) {
	t.Helper()
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return srv, pool
}

func post(t *testing.T, e webhookEndpoint, id string, at time.Time, body []byte) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return postEvent(ctx, e, id, at, body)
}

// replay sends a captured delivery again, as whoever captured it would.
func replay(t *testing.T, srv *httptest.Server, d delivery, body []byte) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = d.Header.Clone()
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

func TestPostEvent_SignedAsTheSpecificationSays(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Unix(1_796_000_000, 0))
	rc := newReceiver(signingKey, clk.Now)
	srv, pool := webhookServer(t, rc)
	key, err := parseSigningSecret([]byte(signingSecret))
	if err != nil || !bytes.Equal(key, signingKey) {
		t.Fatalf("the test's secret reads as %q, %v", key, err)
	}
	e := webhookEndpoint{URL: srv.URL + "/hooks/tollgate", Key: key, RootCAs: pool}
	body := []byte(`{"specversion":"1.0","id":"msg_1"}`)
	if err := post(t, e, "msg_1", clk.Now(), body); err != nil {
		t.Fatal(err)
	}
	accepted, refused := rc.got()
	if len(accepted) != 1 || len(refused) != 0 {
		t.Fatalf("accepted %d, refused %v", len(accepted), refused)
	}
	d := accepted[0]
	if d.Header.Get("webhook-id") != "msg_1" || d.Header.Get("webhook-timestamp") != "1796000000" || d.Header.Get("Content-Type") != "application/cloudevents+json; charset=utf-8" {
		t.Errorf("headers %v", d.Header)
	}
	if !bytes.Equal(d.Body, body) {
		t.Errorf("body %q", d.Body)
	}

	t.Run("a replay is refused", func(t *testing.T) {
		if status := replay(t, srv, d, d.Body); status != http.StatusConflict {
			t.Errorf("replay answered %d, want 409", status)
		}
	})
	t.Run("a changed body is refused", func(t *testing.T) {
		h := d.Header.Clone()
		h.Set("webhook-id", "msg_other")
		if status := replay(t, srv, delivery{Header: h}, d.Body); status != http.StatusUnauthorized {
			t.Errorf("another id under the same signature answered %d, want 401", status)
		}
		if status := replay(t, srv, d, []byte(`{"specversion":"1.0","id":"msg_1","approved":true}`)); status != http.StatusUnauthorized {
			t.Errorf("a changed body answered %d, want 401", status)
		}
	})
	t.Run("a capture replayed past the window is refused for its timestamp", func(t *testing.T) {
		clk.Step(6 * time.Minute)
		if status := replay(t, srv, d, d.Body); status != http.StatusUnauthorized {
			t.Errorf("answered %d, want 401", status)
		}
		_, refused := rc.got()
		if last := refused[len(refused)-1]; !strings.HasPrefix(last, "timestamp outside the window") {
			t.Errorf("refused for %q", last)
		}
	})
	t.Run("a retry is signed anew at its own time, with the same id", func(t *testing.T) {
		fresh := newReceiver(signingKey, clk.Now)
		srv, pool := webhookServer(t, fresh)
		fresh.answer(http.StatusServiceUnavailable)
		e := webhookEndpoint{URL: srv.URL, Key: key, RootCAs: pool}
		if err := post(t, e, "msg_2", clk.Now(), body); err == nil || !strings.Contains(err.Error(), "503") {
			t.Fatalf("error %v, want the 503", err)
		}
		fresh.answer(0)
		clk.Step(10 * time.Minute)
		if err := post(t, e, "msg_2", clk.Now(), body); err != nil {
			t.Fatal(err)
		}
		if accepted, _ := fresh.got(); len(accepted) != 1 || accepted[0].Header.Get("webhook-id") != "msg_2" {
			t.Errorf("accepted %v", accepted)
		}
	})
}

func TestPostEvent_Failures(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Unix(1_796_000_000, 0))
	var elsewhere atomic.Int32
	other, _ := webhookServer(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhere.Add(1) }))
	redirect, redirectPool := webhookServer(t, http.RedirectHandler(other.URL, http.StatusTemporaryRedirect))
	rc := newReceiver(signingKey, clk.Now)
	srv, pool := webhookServer(t, rc)
	down, downPool := webhookServer(t, rc)
	down.Close()
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		elsewhere.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(plain.Close)
	for _, tc := range []struct {
		name string
		e    webhookEndpoint
		at   time.Time
		want string
	}{
		{"a key the receiver does not hold", webhookEndpoint{URL: srv.URL, Key: bytes.Repeat([]byte("k"), 32), RootCAs: pool}, clk.Now(), "401 Unauthorized"},
		{"a clock off by more than the window", webhookEndpoint{URL: srv.URL, Key: signingKey, RootCAs: pool}, clk.Now().Add(-10 * time.Minute), "401 Unauthorized"},
		{"a certificate the channel does not trust", webhookEndpoint{URL: srv.URL, Key: signingKey}, clk.Now(), "certificate signed by unknown authority"},
		{"a redirect, not followed", webhookEndpoint{URL: redirect.URL, Key: signingKey, RootCAs: redirectPool}, clk.Now(), "307 Temporary Redirect"},
		{"a url that is not https (an older schema, a direct write): never in plain text", webhookEndpoint{URL: plain.URL, Key: signingKey}, clk.Now(), "not an https URL"},
		{"a receiver that is down", webhookEndpoint{URL: down.URL + "/hooks/t0ken-in-path?token=t0ken-in-query", Key: signingKey, RootCAs: downPool}, clk.Now(), "connection refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := post(t, tc.e, "msg_3", tc.at, []byte("{}"))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "t0ken") {
				t.Errorf("the error quotes the URL's path or query: %v", err)
			}
		})
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the redirect's target or the plain-text receiver received %d requests", n)
	}
	if accepted, _ := rc.got(); len(accepted) != 0 {
		t.Errorf("accepted %d", len(accepted))
	}
}
