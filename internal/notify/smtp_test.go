package notify

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/smtptest"
)

const (
	smtpUser     = "tollgate"
	smtpPassword = "s3cret-smtp-password"
)

// server is the sender's view of a test server.
func server(t *testing.T, s *smtptest.Server, mode v1.EmailTLS, withCA, withCredentials bool) smtpServer {
	t.Helper()
	host, port, err := net.SplitHostPort(s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	out := smtpServer{Host: host, Port: p, TLS: mode, HelloName: "tollgate.test"}
	if withCA {
		out.RootCAs = x509.NewCertPool()
		out.RootCAs.AppendCertsFromPEM(s.CA)
	}
	if withCredentials {
		out.Username, out.Password = smtpUser, smtpPassword
	}
	return out
}

func send(t *testing.T, srv smtpServer) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return sendMail(ctx, srv, "tollgate@example.com", []string{"carol@example.com", "security-oncall@lists.example.com"}, []byte("Subject: t\r\n\r\n.leading dot\r\nbody\r\n"))
}

// What a session sent before TLS: nothing in it may be a credential.
func plainLines(s smtptest.Session) []string {
	var out []string
	for _, l := range s.Lines {
		if !l.TLS {
			out = append(out, l.Text)
		}
	}
	return out
}

func TestSendMail_Delivers(t *testing.T) {
	for _, tc := range []struct {
		name      string
		opts      smtptest.Options
		mode      v1.EmailTLS
		creds     bool
		mechanism string
	}{
		{"STARTTLS, AUTH PLAIN", smtptest.Options{TLS: smtptest.StartTLS, Mechanisms: []string{"LOGIN", "PLAIN"}}, v1.EmailStartTLS, true, "PLAIN"},
		{"implicit TLS, AUTH LOGIN where the server offers only that", smtptest.Options{TLS: smtptest.Implicit, Mechanisms: []string{"LOGIN"}}, v1.EmailImplicitTLS, true, "LOGIN"},
		{"STARTTLS without credentials", smtptest.Options{TLS: smtptest.StartTLS}, v1.EmailStartTLS, false, ""},
		{"a relay without TLS, without credentials", smtptest.Options{TLS: smtptest.Plain}, v1.EmailNoTLS, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Username, tc.opts.Password = smtpUser, smtpPassword
			s := smtptest.Start(t, tc.opts)
			if err := send(t, server(t, s, tc.mode, true, tc.creds)); err != nil {
				t.Fatal(err)
			}
			sessions := s.WaitSessions(t, 1)
			got := sessions[0]
			if got.Mechanism != tc.mechanism || (tc.creds && got.AuthUser != smtpUser) {
				t.Errorf("logged in as %q with %q, want %q", got.AuthUser, got.Mechanism, tc.mechanism)
			}
			if len(got.Mails) != 1 {
				t.Fatalf("%d mails", len(got.Mails))
			}
			m := got.Mails[0]
			if m.From != "tollgate@example.com" || strings.Join(m.To, ",") != "carol@example.com,security-oncall@lists.example.com" {
				t.Errorf("envelope %s", m)
			}
			if string(m.Data) != "Subject: t\r\n\r\n.leading dot\r\nbody\r\n" {
				t.Errorf("data %q (a leading dot must survive dot-stuffing)", m.Data)
			}
			for _, l := range plainLines(got) {
				if strings.HasPrefix(strings.ToUpper(l), "AUTH") || strings.Contains(l, smtpPassword) {
					t.Errorf("sent before TLS: %q", l)
				}
			}
		})
	}
}

// Credentials and mail go to a verified server over TLS, or nowhere: each refusal below happens
// before any credential or message is sent.
func TestSendMail_RefusesWhatIsNotSafe(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   smtptest.Options
		mode   v1.EmailTLS
		withCA bool
		want   string
	}{
		{"a server without STARTTLS: no fallback to plain text", smtptest.Options{TLS: smtptest.Plain, Mechanisms: []string{"PLAIN"}, AuthBeforeTLS: true}, v1.EmailStartTLS, true, errNoStartTLS.Error()},
		{"credentials on a channel without TLS, to a server offering AUTH in plain text", smtptest.Options{TLS: smtptest.Plain, Mechanisms: []string{"PLAIN", "LOGIN"}, AuthBeforeTLS: true}, v1.EmailNoTLS, true, errCredentialsWithoutTLS.Error()},
		{"a certificate the channel's CA did not sign (STARTTLS)", smtptest.Options{TLS: smtptest.StartTLS, Mechanisms: []string{"PLAIN"}}, v1.EmailStartTLS, false, "certificate signed by unknown authority"},
		{"a certificate the channel's CA did not sign (implicit TLS)", smtptest.Options{TLS: smtptest.Implicit, Mechanisms: []string{"PLAIN"}}, v1.EmailImplicitTLS, false, "certificate signed by unknown authority"},
		{"a server that offers neither PLAIN nor LOGIN", smtptest.Options{TLS: smtptest.StartTLS, Mechanisms: []string{"CRAM-MD5"}}, v1.EmailStartTLS, true, "neither AUTH PLAIN nor LOGIN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Username, tc.opts.Password = smtpUser, smtpPassword
			s := smtptest.Start(t, tc.opts)
			err := send(t, server(t, s, tc.mode, tc.withCA, true))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			for _, session := range s.WaitSessions(t, 1) {
				for _, l := range session.Lines {
					up := strings.ToUpper(l.Text)
					if strings.HasPrefix(up, "AUTH") || strings.HasPrefix(up, "MAIL") || strings.Contains(l.Text, smtpPassword) {
						t.Errorf("sent %q", l.Text)
					}
				}
			}
		})
	}
}

func TestSendMail_ServerRefusals(t *testing.T) {
	s := smtptest.Start(t, smtptest.Options{TLS: smtptest.StartTLS, Mechanisms: []string{"PLAIN"}, Username: smtpUser, Password: "another", Reject: "550 5.1.1 no such user"})
	if err := send(t, server(t, s, v1.EmailStartTLS, true, true)); err == nil || !strings.Contains(err.Error(), "AUTH: 535") {
		t.Errorf("wrong credentials: %v", err)
	}
	s = smtptest.Start(t, smtptest.Options{TLS: smtptest.StartTLS, Reject: "550 5.1.1 no such user"})
	if err := send(t, server(t, s, v1.EmailStartTLS, true, false)); err == nil || !strings.Contains(err.Error(), "RCPT TO carol@example.com: 550") {
		t.Errorf("a refused recipient: %v", err)
	}
	if len(s.WaitSessions(t, 1)[0].Mails) != 0 {
		t.Error("a mail was handed over")
	}
}

// A server that never answers costs an attempt its timeout, not more.
func TestSendMail_Timeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	go func() {
		// Accepts one connection and stays silent until the test ends.
		conn, err := ln.Accept()
		if err == nil {
			t.Cleanup(func() { _ = conn.Close() })
		}
	}()
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	p, _ := strconv.Atoi(port)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = sendMail(ctx, smtpServer{Host: host, Port: p, TLS: v1.EmailStartTLS}, "a@example.com", []string{"b@example.com"}, []byte("x"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want a timeout", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the attempt took %v", took)
	}
}

// A server whose replies never end costs an attempt a bounded read, not the manager's memory:
// net/smtp reads a reply's continuation lines without limit.
func TestSendMail_AReplyTooLong(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	var mailed atomic.Bool
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer func() { _ = conn.Close() }()
		// A greeting of 4 MiB, then a server that takes everything.
		line := "220-" + strings.Repeat("x", 1020) + "\r\n"
		for range 4 << 10 {
			if _, err := io.WriteString(conn, line); err != nil {
				return
			}
		}
		tp := textproto.NewConn(conn)
		if tp.PrintfLine("220 ready") != nil {
			return
		}
		for {
			l, err := tp.ReadLine()
			if err != nil {
				return
			}
			switch verb, _, _ := strings.Cut(strings.ToUpper(l), " "); verb {
			case "DATA":
				_ = tp.PrintfLine("354 go on")
				if _, err := tp.ReadDotBytes(); err != nil {
					return
				}
				mailed.Store(true)
				_ = tp.PrintfLine("250 queued")
			case "QUIT":
				_ = tp.PrintfLine("221 bye")
				return
			default:
				_ = tp.PrintfLine("250 ok")
			}
		}
	}()
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	p, _ := strconv.Atoi(port)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = sendMail(ctx, smtpServer{Host: host, Port: p, TLS: v1.EmailNoTLS, HelloName: "tollgate.test"}, "a@example.com", []string{"b@example.com"}, []byte("x"))
	// Refused for its size, not for running out of time after reading it all.
	if err == nil || !strings.Contains(err.Error(), "the server sent more than") || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want a refusal of what the server sent", err)
	}
	if mailed.Load() {
		t.Error("the mail was handed over after a greeting of 4 MiB")
	}
}

// A channel whose tls the schema did not default or check (an older schema, a direct write) is
// sent as the API's default says, StartTLS, or not at all: never in plain text.
func TestSendMail_ATLSModeNotSaid(t *testing.T) {
	for _, tc := range []struct {
		mode  v1.EmailTLS
		want  string
		dials bool
	}{
		{"", errNoStartTLS.Error(), true},
		{"starttls", `tls "starttls" is none of`, false},
	} {
		t.Run(string(tc.mode), func(t *testing.T) {
			s := smtptest.Start(t, smtptest.Options{TLS: smtptest.Plain})
			err := send(t, server(t, s, tc.mode, true, false))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
			sessions := s.Sessions()
			if tc.dials {
				sessions = s.WaitSessions(t, 1)
			}
			for _, session := range sessions {
				for _, l := range session.Lines {
					if strings.HasPrefix(strings.ToUpper(l.Text), "MAIL") {
						t.Errorf("sent in plain text: %q", l.Text)
					}
				}
			}
		})
	}
}
