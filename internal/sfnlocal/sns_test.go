package sfnlocal

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// The request-response sns:publish integration, as recorded on AWS in
// LocalStack's tests/aws/services/stepfunctions/v2/services/test_sns_task_service.snapshot.json
// (TestTaskServiceSns: test_publish_base, test_publish_message_attributes,
// test_publish_base_error_topic_arn, test_fifo_message_attribute).

// test_publish_base: a message that is not a string is published as its
// JSON text; history TaskScheduled (resourceType sns, resource publish,
// region, parameters), TaskStarted, TaskSucceeded with Publish's answer and
// the SDK's HTTP metadata, which is the state's result.
func TestSNSPublish_FileSink_RecordedHistoryAndMessage(t *testing.T) {
	sink := fileSink(t)
	e := newEnv(t, Options{SNSSink: sink})
	exec := e.start(e.machine("m", sprintf(snsPublishMachine, "", "", "")), "run", `{"TopicArn":"`+testTopic+`","Message":{"Message":"HelloWorld!"}}`)
	out := e.waitEnd(exec, types.ExecutionStatusSucceeded)

	sent := notifications(t, sink.Path)
	if len(sent) != 1 {
		t.Fatalf("sink has %d messages, want 1", len(sent))
	}
	n := sent[0]
	if n.Type != "Notification" || n.TopicArn != testTopic || n.Message != `{"Message":"HelloWorld!"}` ||
		n.Timestamp != "2026-01-02T03:04:05.000Z" || n.Subject != "" || n.MessageAttributes != nil ||
		!regexp.MustCompile(`^[0-9a-f-]{36}$`).MatchString(n.MessageID) {
		t.Fatalf("notification = %+v", n)
	}

	events := e.history(exec)
	wantEvents(t, events, "ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded")
	sched := events[2].TaskScheduledEventDetails
	if aws.ToString(sched.ResourceType) != "sns" || aws.ToString(sched.Resource) != "publish" || aws.ToString(sched.Region) != "us-east-1" {
		t.Fatalf("TaskScheduled = %+v", sched)
	}
	jsonEq(t, aws.ToString(sched.Parameters), `{"TopicArn":"`+testTopic+`","Message":{"Message":"HelloWorld!"}}`)
	if d := events[3].TaskStartedEventDetails; aws.ToString(d.ResourceType) != "sns" || aws.ToString(d.Resource) != "publish" {
		t.Fatalf("TaskStarted = %+v", d)
	}
	done := events[4].TaskSucceededEventDetails
	if aws.ToString(done.ResourceType) != "sns" || aws.ToString(done.Resource) != "publish" {
		t.Fatalf("TaskSucceeded = %+v", done)
	}
	var result struct {
		MessageId       string
		SdkHttpMetadata struct {
			AllHttpHeaders map[string][]string
			HttpHeaders    map[string]string
			HttpStatusCode int
		}
		SdkResponseMetadata struct{ RequestId string }
	}
	mustUnmarshal(t, aws.ToString(done.Output), &result)
	md := result.SdkHttpMetadata
	rid := result.SdkResponseMetadata.RequestId
	if result.MessageId != n.MessageID || md.HttpStatusCode != 200 || rid == "" ||
		md.HttpHeaders["x-amzn-RequestId"] != rid || md.HttpHeaders["Content-Type"] != "text/xml" ||
		md.HttpHeaders["Content-Length"] != "294" || md.HttpHeaders["connection"] != "keep-alive" ||
		md.HttpHeaders["Date"] != "Fri, 02 Jan 2026 03:04:05 GMT" ||
		len(md.AllHttpHeaders) != 5 || md.AllHttpHeaders["x-amzn-RequestId"][0] != rid || md.AllHttpHeaders["Date"][0] != md.HttpHeaders["Date"] {
		t.Fatalf("result = %s", aws.ToString(done.Output))
	}
	jsonEq(t, aws.ToString(out.Output), aws.ToString(done.Output))
}

// test_publish_message_attributes: attributes (a literal one among them) and
// a Subject reach the subscriber.
func TestSNSPublish_MessageAttributesAndSubject_Delivered(t *testing.T) {
	sink := fileSink(t)
	e := newEnv(t, Options{SNSSink: sink})
	params := `,"Subject":"Hi","MessageAttributes":{
		"my_attribute_no_1":{"DataType":"String","StringValue.$":"$.MessageAttributeValue1"},
		"my_attribute_no_2":{"DataType":"String","StringValue.$":"$.MessageAttributeValue2"},
		"Version":{"DataType":"String","StringValue":"string value literal"}}`
	exec := e.start(e.machine("m", sprintf(snsPublishMachine, params, "", "")), "run",
		`{"TopicArn":"`+testTopic+`","Message":"HelloWorld","MessageAttributeValue1":"Hello","MessageAttributeValue2":"World!"}`)
	e.waitEnd(exec, types.ExecutionStatusSucceeded)
	sent := notifications(t, sink.Path)
	if len(sent) != 1 {
		t.Fatalf("sink has %d messages, want 1", len(sent))
	}
	jsonEq(t, jsonText(t, sent[0].MessageAttributes), `{"Version":{"Type":"String","Value":"string value literal"},
		"my_attribute_no_1":{"Type":"String","Value":"Hello"},"my_attribute_no_2":{"Type":"String","Value":"World!"}}`)
	if sent[0].Subject != "Hi" || sent[0].Message != "HelloWorld" {
		t.Fatalf("notification = %+v", sent[0])
	}
}

// The task's result goes through ResultSelector and ResultPath as any
// task's does.
func TestSNSPublish_ResultSelectorResultPath_AsAnyTask(t *testing.T) {
	sink := fileSink(t)
	e := newEnv(t, Options{SNSSink: sink})
	exec := e.start(e.machine("m", sprintf(snsPublishMachine, "", `"ResultSelector":{"id.$":"$.MessageId","status.$":"$.SdkHttpMetadata.HttpStatusCode"},"ResultPath":"$.published",`, "")),
		"run", `{"TopicArn":"`+testTopic+`","Message":"m"}`)
	out := e.waitEnd(exec, types.ExecutionStatusSucceeded)
	id := notifications(t, sink.Path)[0].MessageID
	jsonEq(t, aws.ToString(out.Output), `{"TopicArn":"`+testTopic+`","Message":"m","published":{"id":"`+id+`","status":200}}`)
}

// test_publish_base_error_topic_arn: publishing to a topic that does not
// exist fails the task with SNS.NotFoundException; without a sink no topic
// exists locally. Uncaught, it fails the execution.
func TestSNSPublish_NoSink_RecordedNotFound(t *testing.T) {
	e := newEnv(t, Options{})
	exec := e.start(e.machine("m", sprintf(snsPublishMachine, "", "", "")), "run", `{"TopicArn":"`+testTopic+`","Message":{"Message":"HelloWorld!"}}`)
	out := e.wantStatus(exec, types.ExecutionStatusFailed)
	events := e.history(exec)
	wantEvents(t, events, "ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskFailed", "ExecutionFailed")
	cause := snsCausePattern("Topic does not exist", 404, "NotFound")
	wantTaskFailed(t, events[4], "SNS.NotFoundException", cause)
	if aws.ToString(out.Error) != "SNS.NotFoundException" || aws.ToString(out.Cause) != aws.ToString(events[4].TaskFailedEventDetails.Cause) {
		t.Fatalf("execution error %q cause %q", aws.ToString(out.Error), aws.ToString(out.Cause))
	}
}

// A sink that fails fails the task with SNS.InternalErrorException (the
// error SNS answers when it cannot take a message); Catch on States.ALL or
// States.TaskFailed catches it, as the shipped machine's NotifyApprover
// does; without Catch the execution fails with it.
func TestSNSPublish_SinkFails_InternalErrorCaughtOrFailing(t *testing.T) {
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "mailbox full", http.StatusServiceUnavailable)
	}))
	t.Cleanup(broken.Close)
	const done = `,"Done":{"Type":"Pass","End":true}`
	for _, tc := range []struct{ name, catch string }{
		{"States.ALL", `"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"Done"}],`},
		{"States.TaskFailed", `"Catch":[{"ErrorEquals":["States.TaskFailed"],"ResultPath":"$.err","Next":"Done"}],`},
		{"by name", `"Catch":[{"ErrorEquals":["SNS.InternalErrorException"],"ResultPath":"$.err","Next":"Done"}],`},
		{"no Catch", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Options{SNSSink: &HTTPSink{URL: broken.URL}})
			exec := e.start(e.machine("m", sprintf(snsPublishMachine, "", tc.catch, done)), "run", `{"TopicArn":"`+testTopic+`","Message":"m"}`)
			cause := snsCausePattern("http sink: "+broken.URL+" answered 503 Service Unavailable", 500, "InternalError")
			if tc.catch == "" {
				out := e.waitEnd(exec, types.ExecutionStatusFailed)
				if aws.ToString(out.Error) != "SNS.InternalErrorException" || !cause.MatchString(aws.ToString(out.Cause)) {
					t.Fatalf("execution error %q cause %q", aws.ToString(out.Error), aws.ToString(out.Cause))
				}
				wantEvents(t, e.history(exec), "ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskFailed", "ExecutionFailed")
				return
			}
			out := e.waitEnd(exec, types.ExecutionStatusSucceeded)
			var got struct{ Err struct{ Error, Cause string } }
			mustUnmarshal(t, aws.ToString(out.Output), &got)
			if got.Err.Error != "SNS.InternalErrorException" || !cause.MatchString(got.Err.Cause) {
				t.Fatalf("caught %+v", got.Err)
			}
			events := e.history(exec)
			wantEvents(t, events, "ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskFailed", "TaskStateExited",
				"PassStateEntered", "PassStateExited", "ExecutionSucceeded")
			wantTaskFailed(t, events[4], "SNS.InternalErrorException", cause)
		})
	}
}

// A FIFO topic's answer has a SequenceNumber (test_fifo_message_attribute,
// input_params1); without a MessageGroupId SNS refuses the message
// (input_params0).
func TestSNSPublish_FIFOTopic_SequenceNumberOrRecordedRefusal(t *testing.T) {
	sink := fileSink(t)
	e := newEnv(t, Options{SNSSink: sink})
	sm := e.machine("m", sprintf(snsPublishMachine, `,"MessageGroupId.$":"$.MessageGroupId","MessageDeduplicationId.$":"$.MessageDeduplicationId"`, "", ""))
	const topic = testTopic + ".fifo"
	exec := e.start(sm, "ok", `{"TopicArn":"`+topic+`","Message":{"Message":"HelloWorld!"},"MessageGroupId":"a-group","MessageDeduplicationId":"dedup-1"}`)
	out := e.waitEnd(exec, types.ExecutionStatusSucceeded)
	var result struct {
		SequenceNumber  string
		SdkHttpMetadata struct{ HttpHeaders map[string]string }
	}
	mustUnmarshal(t, aws.ToString(out.Output), &result)
	if !regexp.MustCompile(`^\d{20}$`).MatchString(result.SequenceNumber) || result.SdkHttpMetadata.HttpHeaders["Content-Length"] != "352" {
		t.Fatalf("result = %s", aws.ToString(out.Output))
	}

	exec = e.start(e.machine("plain", sprintf(snsPublishMachine, "", "", "")), "no-group", `{"TopicArn":"`+topic+`","Message":{"Message":"HelloWorld!"}}`)
	e.wantStatus(exec, types.ExecutionStatusFailed)
	wantTaskFailed(t, e.history(exec)[4], "SNS.InvalidParameterException",
		snsCausePattern("Invalid parameter: The MessageGroupId parameter is required for FIFO topics", 400, "InvalidParameter"))
	if got := len(notifications(t, sink.Path)); got != 1 {
		t.Fatalf("sink has %d messages, want 1", got)
	}
}
