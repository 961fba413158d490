package sfnlocal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
)

// SNSSink receives the messages that sns:publish tasks publish: sfnlocal has
// no SNS, so a sink stands for the topic and its subscriptions. A Deliver
// that returns an error fails the task as SNS's InternalError would (sns.go).
// Deliver may be called from several goroutines at once.
type SNSSink interface {
	Deliver(ctx context.Context, n SNSNotification) error
}

// SNSNotification is one published message, in the JSON form SNS gives its
// HTTP and SQS subscribers (a notification as recorded in LocalStack's
// test_sns_task_service.snapshot.json, test_publish_message_attributes),
// less the signature fields, which sfnlocal cannot produce.
type SNSNotification struct {
	Type      string `json:"Type"` // always "Notification"
	MessageID string `json:"MessageId"`
	TopicArn  string `json:"TopicArn"`
	Subject   string `json:"Subject,omitempty"`
	Message   string `json:"Message"`
	// Timestamp is when the message was published, as SNS writes it
	// (UTC, milliseconds: 2026-01-02T03:04:05.000Z).
	Timestamp         string                  `json:"Timestamp"`
	MessageAttributes map[string]SNSAttribute `json:"MessageAttributes,omitempty"`
}

// SNSAttribute is a message attribute as notifications carry it: Type is the
// DataType, Value the StringValue (or the BinaryValue, base64).
type SNSAttribute struct {
	Type  string `json:"Type"`
	Value string `json:"Value"`
}

// sinkTimeout bounds one delivery, so that a sink that does not answer
// fails its task instead of holding it forever.
const sinkTimeout = 10 * time.Second

// ParseSNSSink builds a sink from its command-line form:
//
//	file:PATH                       appends one JSON notification per line to PATH
//	http://HOST:PORT/PATH (https)   POSTs each notification, as SNS posts to an HTTP subscription
//	smtp://HOST:PORT[?to=ADDRESS]   sends each notification as an e-mail (sink_smtp.go)
func ParseSNSSink(spec string) (SNSSink, error) {
	if path, ok := strings.CutPrefix(spec, "file:"); ok {
		path = strings.TrimPrefix(path, "//") // file:///tmp/x is file:/tmp/x
		if path == "" {
			return nil, fmt.Errorf("sns sink %q: no file path", spec)
		}
		return &FileSink{Path: path}, nil
	}
	u, err := url.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("sns sink %q: %w", spec, err)
	}
	switch u.Scheme {
	case "http", "https":
		if u.Host == "" {
			return nil, fmt.Errorf("sns sink %q: no host", spec)
		}
		return &HTTPSink{URL: spec}, nil
	case "smtp":
		return parseSMTPSink(spec, u)
	}
	return nil, fmt.Errorf("sns sink %q: want file:PATH, http(s)://HOST/PATH or smtp://HOST:PORT", spec)
}

// FileSink appends each notification to Path as one line of JSON (JSON
// Lines), creating the file if needed. The file is opened for each message,
// so it may be moved away or truncated while the endpoint runs.
type FileSink struct {
	Path string
	mu   sync.Mutex // one line at a time, whole
}

// Deliver appends n to the file.
func (f *FileSink) Deliver(_ context.Context, n SNSNotification) error {
	line, err := json.Marshal(n)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	file, err := os.OpenFile(f.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("file sink: %w", err)
	}
	_, werr := file.Write(append(line, '\n'))
	return errors.Join(werr, file.Close())
}

// HTTPSink POSTs each notification to URL as SNS posts to an HTTP
// subscription: the JSON body with Content-Type text/plain and the
// x-amz-sns-* headers, so a handler written for SNS reads it. An answer
// other than 2xx is a failed delivery.
type HTTPSink struct {
	URL    string
	Client *http.Client // nil: http.DefaultClient
}

// Deliver posts n.
func (h *HTTPSink) Deliver(ctx context.Context, n SNSNotification) error {
	body, err := json.Marshal(n)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("http sink: %w", err)
	}
	req.Header.Set(headerContentType, "text/plain; charset=UTF-8")
	req.Header.Set("x-amz-sns-message-type", n.Type)
	req.Header.Set("x-amz-sns-message-id", n.MessageID)
	req.Header.Set("x-amz-sns-topic-arn", n.TopicArn)
	client := h.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("http sink: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("http sink: %s answered %s", h.URL, resp.Status)
	}
	return nil
}
