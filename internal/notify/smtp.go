package notify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"slices"
	"strconv"
	"strings"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// smtpServer is where and how an e-mail channel sends.
type smtpServer struct {
	Host string
	Port int
	TLS  v1.EmailTLS
	// Username and Password log in (AUTH PLAIN or LOGIN) when set, and only over TLS.
	Username, Password string
	// RootCAs verify the server's certificate (nil: the system's).
	RootCAs *x509.CertPool
	// HelloName is the client's name in EHLO.
	HelloName string
}

// errNoStartTLS: a StartTLS channel never falls back to plain text.
var errNoStartTLS = errors.New("the server does not offer STARTTLS, and the channel sends only over TLS")

// errCredentialsWithoutTLS: credentials never cross an unencrypted connection.
var errCredentialsWithoutTLS = errors.New("credentials are only sent over TLS")

// maxServerBytes bounds what one session reads from the server, TLS included. A session's
// greeting, replies and handshake come to kilobytes; net/smtp reads a reply's continuation lines
// without limit, so a server that never ends one would fill the manager's memory until the
// attempt's timeout.
const maxServerBytes = 1 << 20

var errServerSentTooMuch = fmt.Errorf("the server sent more than %d bytes in one session", maxServerBytes)

// sendMail runs one SMTP session that hands data, from from, to the server for to. ctx bounds
// it: its deadline is the connection's, and its end closes the connection.
func sendMail(ctx context.Context, s smtpServer, from string, to []string, data []byte) error {
	err := dialAndSend(ctx, s, from, to, data)
	if err == nil {
		return nil
	}
	// The connection was closed under the session, or its deadline (the context's) passed:
	// say why.
	if cause := ctx.Err(); cause != nil {
		return fmt.Errorf("%w: %w", cause, err)
	}
	if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
		return fmt.Errorf("%w: %w", context.DeadlineExceeded, err)
	}
	return err
}

func dialAndSend(ctx context.Context, s smtpServer, from string, to []string, data []byte) error {
	switch s.TLS {
	case "":
		// The API's default, for a channel no schema defaulted (an older one, a direct write):
		// never plain text but where the channel says so.
		s.TLS = v1.EmailStartTLS
	case v1.EmailStartTLS, v1.EmailImplicitTLS, v1.EmailNoTLS:
	default:
		return fmt.Errorf("tls %q is none of %s, %s and %s", s.TLS, v1.EmailStartTLS, v1.EmailImplicitTLS, v1.EmailNoTLS)
	}
	tlsConfig := &tls.Config{ServerName: s.Host, RootCAs: s.RootCAs, MinVersion: tls.VersionTLS12}
	conn, err := dial(ctx, s, tlsConfig)
	if err != nil {
		return err
	}
	// Ending ctx ends the session: the connection closes under it.
	defer context.AfterFunc(ctx, func() { _ = conn.Close() })()
	c, err := smtp.NewClient(conn, s.Host)
	if err != nil {
		return errors.Join(err, conn.Close())
	}
	defer func() { _ = c.Close() }()
	if err := session(c, s, tlsConfig, from, to, data); err != nil {
		return err
	}
	return c.Quit()
}

// dial connects to the server (in TLS from the first byte for Implicit), the connection's
// deadline being ctx's.
func dial(ctx context.Context, s smtpServer, tlsConfig *tls.Config) (net.Conn, error) {
	addr := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	raw, err := new(net.Dialer).DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if deadline, ok := ctx.Deadline(); ok {
		_ = raw.SetDeadline(deadline)
	}
	// Bounded beneath TLS, so that STARTTLS's connection is too.
	conn := net.Conn(&boundedConn{Conn: raw, left: maxServerBytes})
	if s.TLS == v1.EmailImplicitTLS {
		tc := tls.Client(conn, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, errors.Join(err, conn.Close())
		}
		conn = tc
	}
	return conn, nil
}

// boundedConn is a connection that reads at most left bytes more.
type boundedConn struct {
	net.Conn
	left int64
}

func (c *boundedConn) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, errServerSentTooMuch
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.Conn.Read(p)
	c.left -= int64(n)
	return n, err
}

// session is an SMTP session from EHLO to the end of DATA.
func session(c *smtp.Client, s smtpServer, tlsConfig *tls.Config, from string, to []string, data []byte) error {
	if err := c.Hello(s.HelloName); err != nil {
		return fmt.Errorf("EHLO: %w", err)
	}
	if s.TLS == v1.EmailStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return errNoStartTLS
		}
		if err := c.StartTLS(tlsConfig); err != nil {
			return fmt.Errorf("STARTTLS: %w", err)
		}
	}
	if s.Username != "" || s.Password != "" {
		if err := login(c, s); err != nil {
			return err
		}
	}
	if err := c.Mail(from); err != nil {
		return fmt.Errorf("MAIL FROM: %w", err)
	}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt); err != nil {
			return fmt.Errorf("RCPT TO %s: %w", rcpt, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		return errors.Join(fmt.Errorf("DATA: %w", err), w.Close())
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	return nil
}

// login authenticates with AUTH PLAIN, or LOGIN where the server offers only that, over TLS
// only.
func login(c *smtp.Client, s smtpServer) error {
	if _, ok := c.TLSConnectionState(); !ok {
		return errCredentialsWithoutTLS
	}
	_, offered := c.Extension("AUTH")
	mechs := strings.Fields(strings.ToUpper(offered))
	var auth smtp.Auth
	switch {
	case slices.Contains(mechs, "PLAIN"):
		auth = smtp.PlainAuth("", s.Username, s.Password, s.Host)
	case slices.Contains(mechs, "LOGIN"):
		auth = &loginAuth{username: s.Username, password: s.Password}
	default:
		return fmt.Errorf("the server offers neither AUTH PLAIN nor LOGIN (it offers %q)", offered)
	}
	if err := c.Auth(auth); err != nil {
		return fmt.Errorf("AUTH: %w", err)
	}
	return nil
}

// loginAuth is AUTH LOGIN (the draft-murchison-sasl-login mechanism, which servers such as
// Microsoft's offer without PLAIN): the user name, then the password, each as a challenge asks.
type loginAuth struct {
	username, password string
	step               int
}

func (a *loginAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if !server.TLS {
		return "", nil, errCredentialsWithoutTLS
	}
	a.step = 0
	return "LOGIN", nil, nil
}

func (a *loginAuth) Next(_ []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	a.step++
	switch a.step {
	case 1:
		return []byte(a.username), nil
	case 2:
		return []byte(a.password), nil
	}
	return nil, errors.New("AUTH LOGIN: the server asked for more than a user name and a password")
}
