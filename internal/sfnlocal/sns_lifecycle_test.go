package sfnlocal

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// blockingSink holds every delivery until its context ends (the endpoint
// closing) and says when one has begun.
func blockingSink() (SNSSink, chan SNSNotification) {
	begun := make(chan SNSNotification, 4)
	return sinkFunc(func(ctx context.Context, n SNSNotification) error {
		begun <- n
		<-ctx.Done()
		return ctx.Err()
	}), begun
}

// A publish under way when the endpoint stops is delivered again when it
// starts from its state file, with the same MessageId; StartExecution did
// not wait for the sink.
func TestSNSPublish_RestartFromStateFile_DeliveredAgain(t *testing.T) {
	file := filepath.Join(t.TempDir(), "sfnlocal.json")
	sink, begun := blockingSink()
	first := newEnv(t, Options{StateFile: file, SNSSink: sink})
	exec := first.start(first.machine("m", sprintf(snsPublishMachine, "", "", "")), "run", `{"TopicArn":"`+testTopic+`","Message":"m"}`)
	var n SNSNotification
	select {
	case n = <-begun:
	case <-time.After(10 * time.Second):
		t.Fatal("the sink was never called")
	}
	first.wantStatus(exec, types.ExecutionStatusRunning)
	if err := first.srv.Close(); err != nil {
		t.Fatal(err)
	}

	files := fileSink(t)
	second := newEnv(t, Options{StateFile: file, SNSSink: files})
	second.waitEnd(exec, types.ExecutionStatusSucceeded)
	sent := notifications(t, files.Path)
	if len(sent) != 1 || jsonText(t, sent[0]) != jsonText(t, n) {
		t.Fatalf("delivered after restart %+v, want %+v", sent, n)
	}
	wantEvents(t, second.history(exec), "ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded")
}

// Restarted without a sink, a publish that was under way fails as any
// publish without one: no topic exists.
func TestSNSPublish_RestartWithoutSink_NotFound(t *testing.T) {
	file := filepath.Join(t.TempDir(), "sfnlocal.json")
	sink, begun := blockingSink()
	first := newEnv(t, Options{StateFile: file, SNSSink: sink})
	exec := first.start(first.machine("m", sprintf(snsPublishMachine, "", "", "")), "run", `{"TopicArn":"`+testTopic+`","Message":"m"}`)
	select {
	case <-begun:
	case <-time.After(10 * time.Second):
		t.Fatal("the sink was never called")
	}
	if err := first.srv.Close(); err != nil {
		t.Fatal(err)
	}
	second := newEnv(t, Options{StateFile: file})
	second.wantStatus(exec, types.ExecutionStatusFailed)
	events := second.history(exec)
	wantEvents(t, events, "ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskFailed", "ExecutionFailed")
	wantTaskFailed(t, events[4], "SNS.NotFoundException", snsCausePattern("Topic does not exist", 404, "NotFound"))
}

// StopExecution while the sink works: the execution is aborted and the
// sink's late answer changes nothing.
func TestSNSPublish_StopWhileDelivering_NoLateEvent(t *testing.T) {
	release := make(chan struct{})
	sink := sinkFunc(func(context.Context, SNSNotification) error {
		<-release
		return nil
	})
	e := newEnv(t, Options{SNSSink: sink})
	exec := e.start(e.machine("m", sprintf(snsPublishMachine, "", "", "")), "run", `{"TopicArn":"`+testTopic+`","Message":"m"}`)
	if _, err := e.client.StopExecution(e.ctx, &sfn.StopExecutionInput{ExecutionArn: aws.String(exec)}); err != nil {
		t.Fatal(err)
	}
	close(release)
	e.srv.deliveries.Wait() // the sink has answered and its answer was taken

	e.wantStatus(exec, types.ExecutionStatusAborted)
	wantEvents(t, e.history(exec), "ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "ExecutionAborted")
}

// Retry sees the sink's failure like any error: the publish is scheduled
// again after the interval and the second delivery succeeds.
func TestSNSPublish_SinkFailsOnce_Retried(t *testing.T) {
	var calls atomic.Int32
	files := fileSink(t)
	sink := sinkFunc(func(ctx context.Context, n SNSNotification) error {
		if calls.Add(1) == 1 {
			return errors.New("mail server busy")
		}
		return files.Deliver(ctx, n)
	})
	e := newEnv(t, Options{SNSSink: sink})
	retry := `"Retry":[{"ErrorEquals":["SNS.InternalErrorException"],"IntervalSeconds":3,"MaxAttempts":1}],`
	exec := e.start(e.machine("m", sprintf(snsPublishMachine, "", retry, "")), "run", `{"TopicArn":"`+testTopic+`","Message":"m"}`)
	eventually(t, "the first delivery to fail", func() bool { return len(e.history(exec)) == 5 })
	e.clock.Advance(3 * time.Second)
	e.waitEnd(exec, types.ExecutionStatusSucceeded)
	events := e.history(exec)
	wantEvents(t, events, "ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskFailed",
		"TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded")
	wantTaskFailed(t, events[4], "SNS.InternalErrorException", snsCausePattern("mail server busy", 500, "InternalError"))
	if len(notifications(t, files.Path)) != 1 {
		t.Fatal("want one message delivered")
	}
}
