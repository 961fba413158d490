package controller_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"
	. "github.com/onsi/gomega"

	"github.com/tollgate-dev/tollgate/internal/approvalmachine"
	"github.com/tollgate-dev/tollgate/internal/devenv"
	"github.com/tollgate-dev/tollgate/internal/sfnlocal"
)

// localSFN is the suite's view of Step Functions: the environment's local endpoint, reached
// through the real SDK client, with a fake clock the specs advance for timeouts, and a record
// of every SendTask* call that reached it (to prove nothing is sent twice, or at all).
type localSFN struct {
	endpoint      *devenv.Endpoint
	clock         *sfnlocal.FakeClock
	client        *sfn.Client
	activityARN   string
	shippedARN    string
	fixedThreeARN string

	mu    sync.Mutex
	sends []sentTask
	calls []call
}

// call is one request as the endpoint received it.
type call struct{ op, body string }

// sentTask is one SendTask* call as the endpoint received it.
type sentTask struct {
	op, token string
	at        time.Time
}

func newLocalSFN() *localSFN {
	return &localSFN{clock: sfnlocal.NewFakeClock(time.Now())}
}

// attach takes the started endpoint and creates the user's fixed three-branch machine.
func (l *localSFN) attach(e *devenv.Endpoint) {
	l.endpoint, l.client = e, e.Client
	l.activityARN, l.shippedARN = e.ActivityARN, e.MachineARN
	l.fixedThreeARN = l.createMachine("fixed-three", approvalmachine.FixedThreePath)
}

func (l *localSFN) createMachine(name, path string) string {
	arn, err := l.endpoint.CreateMachine(ctx, name, path)
	Expect(err).NotTo(HaveOccurred())
	return arn
}

// record notes SendTask* calls, then lets the endpoint serve the request.
func (l *localSFN) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AWSStepFunctions.")
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		l.mu.Lock()
		l.calls = append(l.calls, call{op: op, body: string(body)})
		if op == "SendTaskSuccess" || op == "SendTaskFailure" {
			var in struct {
				TaskToken string `json:"taskToken"`
			}
			_ = json.Unmarshal(body, &in)
			l.sends = append(l.sends, sentTask{op: op, token: in.TaskToken, at: time.Now()})
		}
		l.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

// callsAbout counts the calls of an operation whose request mentions about (a namespace, an
// execution ARN, a token).
func (l *localSFN) callsAbout(op, about string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, c := range l.calls {
		if c.op == op && strings.Contains(c.body, about) {
			n++
		}
	}
	return n
}

// sendsFor counts the SendTaskSuccess/Failure calls that reached the endpoint for a token.
func (l *localSFN) sendsFor(token string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, s := range l.sends {
		if s.token == token {
			n++
		}
	}
	return n
}

// sentAt is when the first SendTaskSuccess/Failure for a token reached the endpoint.
func (l *localSFN) sentAt(token string) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range l.sends {
		if s.token == token {
			return s.at, true
		}
	}
	return time.Time{}, false
}
