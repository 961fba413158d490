package stepfunctions

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/tollgate-dev/tollgate/internal/sfnlocal"
)

// local is the project's local Step Functions on 127.0.0.1, driven by a fake
// clock, with a real SDK client (wrapped, as the controller holds it) and one
// activity behind a one-step machine whose task has a heartbeat timeout.
type local struct {
	srv      *sfnlocal.Server
	clock    *sfnlocal.FakeClock
	api      API
	activity string
	machine  string
}

const localHeartbeatSeconds = 10

func newLocal(t *testing.T) *local {
	t.Helper()
	clk := sfnlocal.NewFakeClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	srv, err := sfnlocal.New(sfnlocal.Options{Clock: clk})
	if err != nil {
		t.Fatalf("sfnlocal.New: %v", err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ts.Close()
		_ = srv.Close()
	})
	l := &local{srv: srv, clock: clk, api: Wrap(newTestClient(ts.URL), NewLimiter(DefaultLimits()))}
	act, err := l.api.CreateActivity(t.Context(), &sfn.CreateActivityInput{Name: aws.String("approval")})
	if err != nil {
		t.Fatalf("CreateActivity: %v", err)
	}
	l.activity = aws.ToString(act.ActivityArn)
	definition := fmt.Sprintf(`{"StartAt":"Approve","States":{"Approve":{"Type":"Task","Resource":%q,"HeartbeatSeconds":%d,"End":true}}}`,
		l.activity, localHeartbeatSeconds)
	m, err := l.api.CreateStateMachine(t.Context(), &sfn.CreateStateMachineInput{
		Name: aws.String("gate"), Definition: aws.String(definition),
		RoleArn: aws.String("arn:aws:iam::123456789012:role/tollgate-test"),
	})
	if err != nil {
		t.Fatalf("CreateStateMachine: %v", err)
	}
	l.machine = aws.ToString(m.StateMachineArn)
	return l
}

// start starts an execution whose input (and so its task's input) is input.
func (l *local) start(t *testing.T, name, input string) {
	t.Helper()
	if _, err := l.api.StartExecution(t.Context(), &sfn.StartExecutionInput{
		StateMachineArn: aws.String(l.machine), Name: aws.String(name), Input: aws.String(input),
	}); err != nil {
		t.Fatalf("StartExecution: %v", err)
	}
}
