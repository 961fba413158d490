package sfnlocal

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// Helpers of the sns:publish tests: sinks to hand the endpoint and a way to
// wait for the execution the sink's goroutine moves on (the SMTP server is
// internal/smtptest's).

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

// jsonText is v as JSON.
func jsonText(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
