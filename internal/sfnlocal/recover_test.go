package sfnlocal

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// panicClock is a FakeClock whose Now panics while armed: it stands for any
// defect reached under the server's lock, in a handler or a timer callback.
type panicClock struct {
	*FakeClock
	armed atomic.Bool
}

func (c *panicClock) Now() time.Time {
	if c.armed.Load() {
		panic("injected defect")
	}
	return c.FakeClock.Now()
}

// lockedBuffer is a log sink written by the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newPanicEnv(t *testing.T) (*env, *panicClock, *lockedBuffer) {
	clock := &panicClock{FakeClock: NewFakeClock(t0)}
	logs := &lockedBuffer{}
	e := newEnv(t, Options{Clock: clock, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	e.clock = clock.FakeClock
	return e, clock, logs
}

var noRetry = func(o *sfn.Options) { o.RetryMaxAttempts = 1 }

// A defect in a handler is answered as AWS answers an internal error: HTTP
// 500, InternalFailure (Step Functions API reference, Common Errors:
// "InternalFailure: The request processing has failed because of an unknown
// error, exception or failure. HTTP Status Code: 500"), never a dropped
// connection (EOF); it is logged with its stack and counted, and the server
// goes on answering (its lock was released).
func TestPanicInHandler_InternalFailureLoggedCounted(t *testing.T) {
	e, clock, logs := newPanicEnv(t)
	clock.armed.Store(true)
	_, err := e.client.CreateActivity(e.ctx, &sfn.CreateActivityInput{Name: aws.String("approve")}, noRetry)
	clock.armed.Store(false)
	wantErrorCode(t, err, "InternalFailure")
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != 500 {
		t.Fatalf("error = %v, want HTTP 500", err)
	}
	if n := e.srv.Panics(); n != 1 {
		t.Fatalf("Panics() = %d, want 1", n)
	}
	if log := logs.String(); !strings.Contains(log, "injected defect") || !strings.Contains(log, "op=CreateActivity") || !strings.Contains(log, "goroutine ") {
		t.Fatalf("the panic is not logged with its operation and stack:\n%s", log)
	}
	e.activity("approve")
}

// The same defect in GetActivityTask while it hands out a queued task: the
// lock must not stay held, or every later call would hang.
func TestPanicInGetActivityTask_ServerStillAnswers(t *testing.T) {
	e, clock, _ := newPanicEnv(t)
	act := e.activity("approve")
	sm := e.machine("m", sprintf(approvalTask, act))
	e.start(sm, "run", `{}`)
	clock.armed.Store(true)
	_, err := e.client.GetActivityTask(e.ctx, &sfn.GetActivityTaskInput{ActivityArn: aws.String(act)}, noRetry)
	clock.armed.Store(false)
	wantErrorCode(t, err, "InternalFailure")
	ctx, cancel := context.WithTimeout(e.ctx, 5*time.Second)
	defer cancel()
	if _, err := e.client.DescribeActivity(ctx, &sfn.DescribeActivityInput{ActivityArn: aws.String(act)}); err != nil {
		t.Fatalf("after the panic: %v", err)
	}
}

// A defect in a timer callback (a Wait ending, a task timing out) runs in a
// goroutine of its own with the real clock: unrecovered, it would end the
// whole process. It is logged with its stack and counted.
func TestPanicInTimer_LoggedCounted(t *testing.T) {
	e, clock, logs := newPanicEnv(t)
	sm := e.machine("m", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":10,"End":true}}}`)
	e.start(sm, "run", `{}`)
	clock.armed.Store(true)
	e.clock.Advance(10 * time.Second)
	clock.armed.Store(false)
	if n := e.srv.Panics(); n != 1 {
		t.Fatalf("Panics() = %d, want 1", n)
	}
	if log := logs.String(); !strings.Contains(log, "injected defect") || !strings.Contains(log, "goroutine ") {
		t.Fatalf("the panic is not logged with its stack:\n%s", log)
	}
	e.activity("approve")
}
