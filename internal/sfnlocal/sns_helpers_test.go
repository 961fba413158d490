package sfnlocal

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"net/textproto"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// Helpers of the sns:publish tests: sinks to hand the endpoint, a way to
// wait for the execution the sink's goroutine moves on, and a tiny SMTP
// server.

const testTopic = "arn:aws:sns:us-east-1:123456789012:tollgate-approvals"

// snsPublishMachine is LocalStack's SNS_PUBLISH template
// (tests/aws/services/stepfunctions/templates/services/statemachines/sns_publish.json5),
// with room for more fields on the state.
const snsPublishMachine = `{"StartAt":"Publish","States":{"Publish":{"Type":"Task","Resource":"arn:aws:states:::sns:publish",
	"Parameters":{"TopicArn.$":"$.TopicArn","Message.$":"$.Message"%s},%s"End":true}%s}}`

// sinkFunc adapts a function to SNSSink.
type sinkFunc func(ctx context.Context, n SNSNotification) error

func (f sinkFunc) Deliver(ctx context.Context, n SNSNotification) error { return f(ctx, n) }

// fileSink returns a FileSink in the test's temporary directory.
func fileSink(t testing.TB) *FileSink {
	return &FileSink{Path: filepath.Join(t.TempDir(), "sns.jsonl")}
}

// notifications reads the sink file, one notification a line.
func notifications(t testing.TB, path string) []SNSNotification {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []SNSNotification
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for sc.Scan() {
		var n SNSNotification
		mustUnmarshal(t, sc.Text(), &n)
		out = append(out, n)
	}
	return out
}

// waitEnd waits until the execution is no longer RUNNING (a publish ends in
// the sink's goroutine) and wants it in status want.
func (e *env) waitEnd(execArn string, want types.ExecutionStatus) *sfn.DescribeExecutionOutput {
	e.t.Helper()
	var out *sfn.DescribeExecutionOutput
	eventually(e.t, "the execution to end", func() bool {
		out = e.describe(execArn)
		return out.Status != types.ExecutionStatusRunning
	})
	if out.Status != want {
		e.t.Fatalf("status = %s (error %q cause %q), want %s", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause), want)
	}
	return out
}

// wantEvents asserts the history's event types, each event chained to the
// one before it (a machine without Parallel or Map), but the first state's
// entry, which follows event 0 (recorded: TaskStateEntered, id 2,
// previousEventId 0).
func wantEvents(t testing.TB, events []types.HistoryEvent, want ...string) {
	t.Helper()
	got := eventTypes(events)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("history = %v, want %v", got, want)
	}
	for i, ev := range events {
		prev := int64(0)
		if i > 1 {
			prev = events[i-1].Id
		}
		if ev.PreviousEventId != prev {
			t.Fatalf("event %d (%s) follows event %d, want %d", ev.Id, ev.Type, ev.PreviousEventId, prev)
		}
	}
}

// snsCausePattern is how Step Functions words an SNS error answer, the
// request ID aside (recorded: "Topic does not exist (Service: AmazonSNS;
// Status Code: 404; Error Code: NotFound; Request ID: <request_id>; Proxy: null)").
func snsCausePattern(message string, status int, code string) *regexp.Regexp {
	return regexp.MustCompile("^" + regexp.QuoteMeta(message) + sprintf(` \(Service: AmazonSNS; Status Code: %d; Error Code: %s; Request ID: [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}; Proxy: null\)$`, status, code))
}

// wantTaskFailed asserts the SNS TaskFailed event's details.
func wantTaskFailed(t testing.TB, ev types.HistoryEvent, name string, cause *regexp.Regexp) {
	t.Helper()
	d := ev.TaskFailedEventDetails
	if ev.Type != types.HistoryEventTypeTaskFailed || d == nil {
		t.Fatalf("event %d is %s, want TaskFailed", ev.Id, ev.Type)
	}
	if aws.ToString(d.ResourceType) != "sns" || aws.ToString(d.Resource) != "publish" ||
		aws.ToString(d.Error) != name || !cause.MatchString(aws.ToString(d.Cause)) {
		t.Fatalf("TaskFailed = sns:publish? %s:%s error %q cause %q, want error %q cause matching %s",
			aws.ToString(d.ResourceType), aws.ToString(d.Resource), aws.ToString(d.Error), aws.ToString(d.Cause), name, cause)
	}
}

// receivedMail is one message an smtpServer received.
type receivedMail struct {
	from string
	to   []string
	data string
}

// smtpServer is the least SMTP server net/smtp's client talks to (EHLO,
// MAIL, RCPT, DATA, QUIT), on 127.0.0.1; each message goes to mails.
type smtpServer struct {
	addr  string
	mails chan receivedMail
}

func newSMTPServer(t testing.TB) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{addr: ln.Addr().String(), mails: make(chan receivedMail, 16)}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(conn)
		}
	}()
	return s
}

func (s *smtpServer) serve(conn net.Conn) {
	defer func() { _ = conn.Close() }()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	tp := textproto.NewConn(conn)
	var m receivedMail
	reply := func(code int, text string) bool { return tp.PrintfLine("%d %s", code, text) == nil }
	if !reply(220, "localhost test SMTP") {
		return
	}
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO", "RSET", "NOOP":
			reply(250, "ok")
		case "MAIL":
			m = receivedMail{from: strings.Trim(strings.TrimPrefix(arg, "FROM:"), "<>")}
			reply(250, "ok")
		case "RCPT":
			m.to = append(m.to, strings.Trim(strings.TrimPrefix(arg, "TO:"), "<>"))
			reply(250, "ok")
		case "DATA":
			reply(354, "go ahead")
			b, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			m.data = string(b)
			s.mails <- m
			reply(250, "queued")
		case "QUIT":
			reply(221, "bye")
			return
		default:
			reply(502, "not implemented")
		}
	}
}

// next returns the next mail received, failing after a while.
func (s *smtpServer) next(t testing.TB) receivedMail {
	t.Helper()
	select {
	case m := <-s.mails:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no mail received")
		return receivedMail{}
	}
}

// jsonText is v as JSON.
func jsonText(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
