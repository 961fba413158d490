package notify

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
)

// senderName is the display name of every mail's From.
const senderName = "tollgate"

// renderMail is a message as an RFC 5322 mail from from to to, sent at now, with the stable
// Message-ID id. Its headers are tollgate's alone: the only text a user wrote in them is the
// description in the Subject, on one line and encoded as RFC 2047 says when it is not plain
// ASCII, so no description can end a header or add one. The body is UTF-8 text,
// quoted-printable, so that no line is too long for SMTP whatever was written.
func renderMail(m Message, link, from string, to []string, id string, now time.Time) ([]byte, error) {
	sender, err := parseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	rcpts := make([]string, 0, len(to))
	for _, a := range to {
		if _, err := parseAddress(a); err != nil {
			return nil, fmt.Errorf("to: %w", err)
		}
		rcpts = append(rcpts, (&mail.Address{Address: a}).String())
	}
	_, domain, _ := strings.Cut(sender, "@")
	var b bytes.Buffer
	for _, h := range [][2]string{
		{"From", (&mail.Address{Name: senderName, Address: sender}).String()},
		{"To", strings.Join(rcpts, ",\r\n ")},
		{"Subject", encodeHeader(subject(m))},
		{"Date", now.Format(time.RFC1123Z)},
		{"Message-ID", "<" + id + "@" + domain + ">"},
		// RFC 3834: written by a program, so that no auto-responder answers it.
		{"Auto-Submitted", "auto-generated"},
		{"MIME-Version", "1.0"},
		{"Content-Type", "text/plain; charset=utf-8"},
		{"Content-Transfer-Encoding", "quoted-printable"},
	} {
		fmt.Fprintf(&b, "%s: %s\r\n", h[0], h[1])
	}
	b.WriteString("\r\n")
	// The writer ends each line with CRLF, as SMTP wants.
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(plainText(m, link))); err != nil {
		return nil, fmt.Errorf("encoding the body: %w", err)
	}
	if err := qp.Close(); err != nil {
		return nil, fmt.Errorf("encoding the body: %w", err)
	}
	b.WriteString("\r\n")
	return b.Bytes(), nil
}

// encodeHeader is unstructured header text (one line already) as RFC 2047 encoded-words when it
// is not plain ASCII, or holds "=?" (which a reader would decode as an encoded-word, into text
// cleanText took out or any other), folded between the words so that no line passes SMTP's
// limit.
func encodeHeader(s string) string {
	enc := mime.QEncoding.Encode("utf-8", s)
	switch {
	case enc != s:
		// Encoded-words hold no space (Q encodes it as "_"): the spaces between them are where
		// the encoder split the text, and where a line may fold.
		return strings.ReplaceAll(enc, " ", "\r\n ")
	case strings.Contains(s, "=?"):
		// Plain ASCII, which the encoder leaves as it is.
		return base64Words(s)
	}
	return s
}

// base64Words is ASCII text as RFC 2047 "B" encoded-words, one a line.
func base64Words(s string) string {
	const most = 45 // bytes of text a word carries: 60 characters of base64, 72 with its marks
	var words []string
	for s != "" {
		n := min(most, len(s))
		words = append(words, "=?utf-8?b?"+base64.StdEncoding.EncodeToString([]byte(s[:n]))+"?=")
		s = s[n:]
	}
	return strings.Join(words, "\r\n ")
}
