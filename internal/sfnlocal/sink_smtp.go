package sfnlocal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"time"
)

const (
	// SMTPSender is the From of every e-mail an SMTP sink sends.
	SMTPSender = "sfnlocal@localhost"
	// SMTPDefaultRecipient is the To of a message without an email
	// attribute when the sink names no ?to= address.
	SMTPDefaultRecipient = "approvers@localhost"
	// SMTPRecipientAttribute is the message attribute whose value, when
	// present, is the To of the e-mail.
	SMTPRecipientAttribute = "email"
	// smtpDefaultSubject is the subject SNS gives an e-mail notification
	// published without one.
	smtpDefaultSubject = "AWS Notification Message"
)

// SMTPSink sends each notification as a plain-text e-mail through the SMTP
// server at Addr (host:port), without TLS or authentication: it is meant for
// a local mail catcher. From is SMTPSender; To is the message's "email"
// attribute if it has one, else To (default SMTPDefaultRecipient). The
// subject is the message's Subject, the body its Message.
type SMTPSink struct {
	Addr string
	To   string
}

func parseSMTPSink(spec string, u *url.URL) (*SMTPSink, error) {
	if u.Host == "" || u.Port() == "" {
		return nil, fmt.Errorf("sns sink %q: want smtp://HOST:PORT", spec)
	}
	s := &SMTPSink{Addr: u.Host, To: SMTPDefaultRecipient}
	for key, vals := range u.Query() {
		if key != "to" || len(vals) != 1 {
			return nil, fmt.Errorf("sns sink %q: the only query parameter is one to=ADDRESS", spec)
		}
		addr, err := mail.ParseAddress(vals[0])
		if err != nil {
			return nil, fmt.Errorf("sns sink %q: to: %w", spec, err)
		}
		s.To = addr.Address
	}
	return s, nil
}

// Deliver sends n as one e-mail.
func (s *SMTPSink) Deliver(ctx context.Context, n SNSNotification) error {
	to := s.To
	if to == "" {
		to = SMTPDefaultRecipient
	}
	if a, ok := n.MessageAttributes[SMTPRecipientAttribute]; ok {
		addr, err := mail.ParseAddress(a.Value)
		if err != nil {
			return fmt.Errorf("smtp sink: attribute %s %q: %w", SMTPRecipientAttribute, a.Value, err)
		}
		to = addr.Address
	}
	msg, err := mailMessage(n, to)
	if err != nil {
		return err
	}
	if err := s.send(ctx, to, msg); err != nil {
		return fmt.Errorf("smtp sink %s: %w", s.Addr, err)
	}
	return nil
}

// send runs one SMTP session; the context's deadline bounds it and its
// cancellation (the server closing) cuts it short.
func (s *SMTPSink) send(ctx context.Context, to string, msg []byte) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	host, _, _ := net.SplitHostPort(s.Addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return errors.Join(err, conn.Close())
	}
	defer func() { _ = c.Close() }()
	if err := c.Hello("localhost"); err != nil {
		return err
	}
	if err := c.Mail(SMTPSender); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return errors.Join(err, w.Close())
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// mailMessage is the RFC 5322 text of n: headers (the subject encoded if it
// is not plain ASCII, which also keeps a line break out of the headers) and
// the message, quoted-printable so that any UTF-8 text and line length pass.
func mailMessage(n SNSNotification, to string) ([]byte, error) {
	subject := n.Subject
	if subject == "" {
		subject = smtpDefaultSubject
	}
	date := time.Now()
	if t, err := time.Parse(snsTimeFormat, n.Timestamp); err == nil {
		date = t
	}
	var b bytes.Buffer
	for _, h := range [][2]string{
		{"From", SMTPSender},
		{"To", to},
		{"Subject", mime.QEncoding.Encode("utf-8", subject)},
		{headerDate, date.Format(time.RFC1123Z)},
		{"Message-ID", "<" + n.MessageID + "@sfnlocal>"},
		{"X-SNS-Topic-Arn", n.TopicArn},
		{"MIME-Version", "1.0"},
		{headerContentType, "text/plain; charset=UTF-8"},
		{"Content-Transfer-Encoding", "quoted-printable"},
	} {
		fmt.Fprintf(&b, "%s: %s\r\n", h[0], h[1])
	}
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(n.Message)); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	b.WriteString("\r\n")
	return b.Bytes(), nil
}
