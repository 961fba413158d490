// Package smtptest is an SMTP server for tests, in process, on loopback: plain, STARTTLS or
// implicit TLS, with AUTH PLAIN and LOGIN, that records every session as the client spoke it.
// It is a test helper with one job; it delivers nothing anywhere. `make demo` runs it as its
// mail sink (Listen, OnMail), to show what the notifier sends.
package smtptest

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net"
	"net/textproto"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// serverName is the name the server gives itself, and its certificate's.
const serverName = "localhost"

// TLSMode is how the server offers TLS.
type TLSMode int

const (
	// Plain offers no TLS.
	Plain TLSMode = iota
	// StartTLS offers STARTTLS.
	StartTLS
	// Implicit speaks TLS from the first byte.
	Implicit
)

// Options configure a Server.
type Options struct {
	TLS TLSMode
	// Mechanisms are the AUTH mechanisms offered (PLAIN, LOGIN), after TLS only unless
	// AuthBeforeTLS.
	Mechanisms    []string
	AuthBeforeTLS bool
	// Username and Password are the one account AUTH accepts.
	Username, Password string
	// EchoAuth makes a failed AUTH answer with what the client sent: a server that leaks, to
	// show that the client keeps secrets out of its errors.
	EchoAuth bool
	// Reject answers every RCPT TO with this permanent failure when set (e.g. "550 no such user").
	Reject string
	// OnMail, when set, is called with each message as the server queues it.
	OnMail func(Mail)
}

// Session is one connection as the client spoke it.
type Session struct {
	// Lines are the client's command lines in order (DATA's content excepted), each marked with
	// whether TLS protected it.
	Lines []Line
	// AuthUser is who logged in ("" without AUTH), with Mechanism.
	AuthUser, Mechanism string
	// Mails are the messages the session handed over.
	Mails []Mail
}

// Line is a command line the client sent.
type Line struct {
	Text string
	TLS  bool
}

// Mail is one message: envelope and content, dot-unstuffed, as the client sent it.
type Mail struct {
	From string
	To   []string
	Data []byte
}

// Server is a running server; Addr is its host:port on 127.0.0.1.
type Server struct {
	Addr string
	CA   []byte // PEM of the CA that signed its certificate (for 127.0.0.1 and localhost)
	opts Options
	tls  *tls.Config

	mu       sync.Mutex
	sessions []*Session
	done     chan struct{}
	ln       net.Listener
	wg       sync.WaitGroup
}

// Start runs a server until the test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	s, err := Listen(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// Listen runs a server on a free port of 127.0.0.1 until Close.
func Listen(o Options) (*Server, error) {
	ca, cert, err := newCertificates()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{Addr: ln.Addr().String(), CA: ca, opts: o, tls: &tls.Config{Certificates: []tls.Certificate{cert}}, done: make(chan struct{}, 1024), ln: ln}
	s.wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Go(func() { s.serve(conn) })
		}
	})
	return s, nil
}

// Close stops accepting and waits for the sessions under way (each ends within 30 s).
func (s *Server) Close() error {
	err := s.ln.Close()
	s.wg.Wait()
	return err
}

// Sessions are the sessions so far, each once it ended.
func (s *Server) Sessions() []Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Session, 0, len(s.sessions))
	for _, x := range s.sessions {
		out = append(out, *x)
	}
	return out
}

// WaitSessions waits (on the test's own deadline) until n sessions ended, and returns them.
func (s *Server) WaitSessions(t testing.TB, n int) []Session {
	t.Helper()
	for range n {
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			t.Fatalf("fewer than %d SMTP sessions ended", n)
		}
	}
	return s.Sessions()
}

// Mails are every message received so far.
func (s *Server) Mails() []Mail {
	var out []Mail
	for _, x := range s.Sessions() {
		out = append(out, x.Mails...)
	}
	return out
}

// conversation is one connection's state.
type conversation struct {
	s      *Server
	conn   net.Conn
	tp     *textproto.Conn
	secure bool
	rec    *Session
	mail   *Mail
}

func (s *Server) serve(conn net.Conn) {
	rec := &Session{}
	defer func() {
		_ = conn.Close()
		s.mu.Lock()
		s.sessions = append(s.sessions, rec)
		s.mu.Unlock()
		select {
		case s.done <- struct{}{}:
		default: // nobody waits for sessions (a sink that runs long): not counted
		}
	}()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	c := &conversation{s: s, conn: conn, rec: rec}
	if s.opts.TLS == Implicit {
		tc := tls.Server(conn, s.tls)
		if tc.Handshake() != nil {
			return
		}
		c.conn, c.secure = tc, true
	}
	c.tp = textproto.NewConn(c.conn)
	if c.reply("220 %s smtptest", serverName) != nil {
		return
	}
	for {
		line, err := c.tp.ReadLine()
		if err != nil {
			return
		}
		rec.Lines = append(rec.Lines, Line{Text: line, TLS: c.secure})
		verb, arg, _ := strings.Cut(line, " ")
		if !c.command(strings.ToUpper(verb), arg) {
			return
		}
	}
}

func (c *conversation) reply(format string, args ...any) error {
	return c.tp.PrintfLine(format, args...)
}

// command answers one command; false ends the session.
func (c *conversation) command(verb, arg string) bool {
	switch verb {
	case "EHLO":
		return c.ehlo()
	case "STARTTLS":
		return c.startTLS()
	case "AUTH":
		return c.auth(arg)
	case "MAIL":
		c.mail = &Mail{From: strings.Trim(strings.TrimPrefix(strings.Fields(arg + " ")[0], "FROM:"), "<>")}
		return c.reply("250 ok") == nil
	case "RCPT":
		if c.mail == nil {
			return c.reply("503 MAIL first") == nil
		}
		if c.s.opts.Reject != "" {
			return c.reply("%s", c.s.opts.Reject) == nil
		}
		c.mail.To = append(c.mail.To, strings.Trim(strings.TrimPrefix(arg, "TO:"), "<>"))
		return c.reply("250 ok") == nil
	case "DATA":
		return c.data()
	case "RSET", "NOOP":
		return c.reply("250 ok") == nil
	case "QUIT":
		_ = c.reply("221 bye")
		return false
	}
	return c.reply("502 not implemented") == nil
}

func (c *conversation) ehlo() bool {
	lines := []string{serverName}
	if c.s.opts.TLS == StartTLS && !c.secure {
		lines = append(lines, "STARTTLS")
	}
	if len(c.s.opts.Mechanisms) > 0 && (c.secure || c.s.opts.AuthBeforeTLS) {
		lines = append(lines, "AUTH "+strings.Join(c.s.opts.Mechanisms, " "))
	}
	for i, l := range lines {
		sep := "-"
		if i == len(lines)-1 {
			sep = " "
		}
		if c.reply("250%s%s", sep, l) != nil {
			return false
		}
	}
	return true
}

func (c *conversation) startTLS() bool {
	if c.s.opts.TLS != StartTLS || c.secure {
		return c.reply("454 TLS not available") == nil
	}
	if c.reply("220 go ahead") != nil {
		return false
	}
	tc := tls.Server(c.conn, c.s.tls)
	if tc.Handshake() != nil {
		return false
	}
	c.conn, c.secure = tc, true
	c.tp = textproto.NewConn(tc)
	return true
}

// auth runs AUTH PLAIN (with or without an initial response) or AUTH LOGIN.
func (c *conversation) auth(arg string) bool {
	mech, initial, _ := strings.Cut(arg, " ")
	mech = strings.ToUpper(mech)
	if !slices.Contains(c.s.opts.Mechanisms, mech) {
		return c.reply("504 mechanism not offered") == nil
	}
	var user, pass string
	var sent []string
	switch mech {
	case "PLAIN":
		if initial == "" {
			var ok bool
			if initial, ok = c.challenge(""); !ok {
				return false
			}
		}
		sent = append(sent, initial)
		raw, _ := base64.StdEncoding.DecodeString(initial)
		parts := bytes.Split(raw, []byte{0})
		if len(parts) == 3 {
			user, pass = string(parts[1]), string(parts[2])
		}
	case "LOGIN":
		u, ok := c.challenge("VXNlcm5hbWU6") // "Username:"
		if !ok {
			return false
		}
		p, ok := c.challenge("UGFzc3dvcmQ6") // "Password:"
		if !ok {
			return false
		}
		sent = append(sent, u, p)
		ub, _ := base64.StdEncoding.DecodeString(u)
		pb, _ := base64.StdEncoding.DecodeString(p)
		user, pass = string(ub), string(pb)
	}
	if user != c.s.opts.Username || pass != c.s.opts.Password {
		if c.s.opts.EchoAuth {
			return c.reply("535 authentication failed for %s (%s:%s)", strings.Join(sent, " "), user, pass) == nil
		}
		return c.reply("535 authentication failed") == nil
	}
	c.rec.AuthUser, c.rec.Mechanism = user, mech
	return c.reply("235 authenticated") == nil
}

// challenge sends a 334 challenge and reads the answer, recorded like a command line.
func (c *conversation) challenge(text string) (string, bool) {
	if c.reply("334 %s", text) != nil {
		return "", false
	}
	line, err := c.tp.ReadLine()
	if err != nil {
		return "", false
	}
	c.rec.Lines = append(c.rec.Lines, Line{Text: line, TLS: c.secure})
	return line, true
}

func (c *conversation) data() bool {
	if c.mail == nil || len(c.mail.To) == 0 {
		return c.reply("503 RCPT first") == nil
	}
	if c.reply("354 end with <CRLF>.<CRLF>") != nil {
		return false
	}
	b, err := c.tp.ReadDotBytes()
	if err != nil {
		return false
	}
	// ReadDotBytes turns CRLF into LF: give the message back its SMTP line ends.
	c.mail.Data = bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
	c.rec.Mails = append(c.rec.Mails, *c.mail)
	if c.s.opts.OnMail != nil {
		c.s.opts.OnMail(*c.mail)
	}
	c.mail = nil
	return c.reply("250 queued") == nil
}

// Reader is a received message's content, for net/mail.
func (m Mail) Reader() *bufio.Reader { return bufio.NewReader(bytes.NewReader(m.Data)) }

// String is the envelope, for failure messages.
func (m Mail) String() string {
	return fmt.Sprintf("from %s to %v, %d bytes", m.From, m.To, len(m.Data))
}
