package sfnlocal

import (
	"io"
	"mime/quotedprintable"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/tollgate-dev/tollgate/internal/smtptest"
)

// The HTTP sink posts what SNS posts to an HTTP subscription: the
// notification's JSON as text/plain, with the x-amz-sns-* headers.
func TestSNSPublish_HTTPSink_PostsNotification(t *testing.T) {
	type post struct {
		method, contentType, kind, id, topic string
		body                                 []byte
	}
	posts := make(chan post, 1)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		posts <- post{r.Method, r.Header.Get("Content-Type"), r.Header.Get("x-amz-sns-message-type"),
			r.Header.Get("x-amz-sns-message-id"), r.Header.Get("x-amz-sns-topic-arn"), b}
	}))
	t.Cleanup(hook.Close)
	e := newEnv(t, Options{SNSSink: &HTTPSink{URL: hook.URL + "/sns"}})
	exec := e.start(e.machine("m", sprintf(snsPublishMachine, `,"Subject":"s"`, "", "")), "run", `{"TopicArn":"`+testTopic+`","Message":"hello"}`)
	e.waitEnd(exec, types.ExecutionStatusSucceeded)
	var p post
	select {
	case p = <-posts:
	case <-time.After(10 * time.Second):
		t.Fatal("nothing posted")
	}
	var n SNSNotification
	mustUnmarshal(t, string(p.body), &n)
	if p.method != http.MethodPost || p.contentType != "text/plain; charset=UTF-8" || p.kind != "Notification" ||
		p.id != n.MessageID || p.topic != testTopic {
		t.Fatalf("post = %+v", p)
	}
	jsonEq(t, string(p.body), `{"Type":"Notification","MessageId":"`+n.MessageID+`","TopicArn":"`+testTopic+`","Subject":"s",
		"Message":"hello","Timestamp":"2026-01-02T03:04:05.000Z"}`)
}

// The SMTP sink mails the message: From the fixed local sender, To the
// message's "email" attribute when it has one, else the sink's ?to= address.
func TestSNSPublish_SMTPSink_SendsMail(t *testing.T) {
	server := smtptest.Start(t, smtptest.Options{})
	sink, err := ParseSNSSink("smtp://" + server.Addr + "?to=team@example.com")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, Options{SNSSink: sink})
	sm := e.machine("m", sprintf(snsPublishMachine, `,"Subject.$":"$.Subject","MessageAttributes.$":"$.Attributes"`, "", ""))
	for _, tc := range []struct{ name, attrs, to string }{
		{"email attribute", `{"email":{"DataType":"String","StringValue":"alice@example.com"}}`, "alice@example.com"},
		{"default address", `{"approver":{"DataType":"String","StringValue":"alice"}}`, "team@example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := "Héllo alice,\nplease approve: " + strings.Repeat("x", 100) + "\n.\nbye"
			exec := e.start(sm, strings.ReplaceAll(tc.name, " ", "-"), jsonText(t, map[string]any{
				"TopicArn": testTopic, "Message": body, "Subject": "tollgate: approval requested for team-a/deploy",
				"Attributes": jsonRaw(tc.attrs),
			}))
			e.waitEnd(exec, types.ExecutionStatusSucceeded)
			sessions := server.WaitSessions(t, 1)
			mails := sessions[len(sessions)-1].Mails
			if len(mails) != 1 {
				t.Fatalf("the sink's session handed over %d messages, want 1", len(mails))
			}
			m := mails[0]
			if m.From != SMTPSender || len(m.To) != 1 || m.To[0] != tc.to {
				t.Fatalf("envelope from %q to %q, want %q to %q", m.From, m.To, SMTPSender, tc.to)
			}
			msg, err := mail.ReadMessage(m.Reader())
			if err != nil {
				t.Fatal(err)
			}
			if msg.Header.Get("From") != SMTPSender || msg.Header.Get("To") != tc.to ||
				msg.Header.Get("Subject") != "tollgate: approval requested for team-a/deploy" || msg.Header.Get("X-SNS-Topic-Arn") != testTopic {
				t.Fatalf("headers = %v", msg.Header)
			}
			text, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
			if err != nil {
				t.Fatal(err)
			}
			// The line that ends the message is the sink's; SMTP's line ends are CRLF.
			if got := strings.TrimSuffix(strings.ReplaceAll(string(text), "\r\n", "\n"), "\n"); got != body {
				t.Fatalf("body = %q, want %q", got, body)
			}
		})
	}
}

// An SMTP server that is not there fails the task, and a recipient that is
// not an address too: SNS.InternalErrorException, caught like any error.
func TestSNSPublish_SMTPSinkFails_TaskFails(t *testing.T) {
	server := smtptest.Start(t, smtptest.Options{})
	for _, tc := range []struct{ name, sink, attrs, cause string }{
		{"no server", "smtp://127.0.0.1:1", `{}`, "smtp sink 127.0.0.1:1: dial tcp 127.0.0.1:1: connect: connection refused"},
		{"bad email attribute", "smtp://" + server.Addr, `{"email":{"DataType":"String","StringValue":"not an address"}}`,
			`smtp sink: attribute email "not an address": mail: no angle-addr`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sink, err := ParseSNSSink(tc.sink)
			if err != nil {
				t.Fatal(err)
			}
			e := newEnv(t, Options{SNSSink: sink})
			sm := e.machine("m", sprintf(snsPublishMachine, `,"MessageAttributes.$":"$.Attributes"`, "", ""))
			exec := e.start(sm, "run", jsonText(t, map[string]any{"TopicArn": testTopic, "Message": "m", "Attributes": jsonRaw(tc.attrs)}))
			e.waitEnd(exec, types.ExecutionStatusFailed)
			wantTaskFailed(t, e.history(exec)[4], "SNS.InternalErrorException", snsCausePattern(tc.cause, 500, "InternalError"))
		})
	}
}

func TestParseSNSSink(t *testing.T) {
	for spec, want := range map[string]SNSSink{
		"file:/tmp/sns.jsonl":               &FileSink{Path: "/tmp/sns.jsonl"},
		"file:///tmp/sns.jsonl":             &FileSink{Path: "/tmp/sns.jsonl"},
		"file:sns.jsonl":                    &FileSink{Path: "sns.jsonl"},
		"http://127.0.0.1:9000/hook":        &HTTPSink{URL: "http://127.0.0.1:9000/hook"},
		"https://example.com/hook":          &HTTPSink{URL: "https://example.com/hook"},
		"smtp://127.0.0.1:2525":             &SMTPSink{Addr: "127.0.0.1:2525", To: SMTPDefaultRecipient},
		"smtp://127.0.0.1:2525?to=a@b.test": &SMTPSink{Addr: "127.0.0.1:2525", To: "a@b.test"},
	} {
		got, err := ParseSNSSink(spec)
		if err != nil || jsonText(t, got) != jsonText(t, want) || sinkKind(got) != sinkKind(want) {
			t.Errorf("ParseSNSSink(%q) = %#v, %v; want %#v", spec, got, err, want)
		}
	}
	for _, spec := range []string{"", "file:", "/tmp/x", "http://", "smtp://127.0.0.1", "smtp://h:25?to=nobody", "smtp://h:25?from=a@b.test", "ftp://h/x"} {
		if got, err := ParseSNSSink(spec); err == nil {
			t.Errorf("ParseSNSSink(%q) = %#v, want an error", spec, got)
		}
	}
}

func sinkKind(s SNSSink) string { return sprintf("%T", s) }

// jsonRaw is a JSON text to embed as is in jsonText's value.
type jsonRaw string

func (r jsonRaw) MarshalJSON() ([]byte, error) { return []byte(r), nil }
