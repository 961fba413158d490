package controller_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	. "github.com/onsi/gomega"

	"github.com/tollgate-dev/tollgate/internal/approvalmachine"
	"github.com/tollgate-dev/tollgate/internal/sfnlocal"
)

// localSFN is the suite's Step Functions: the project's local endpoint on 127.0.0.1, reached
// through the real SDK client, with a fake clock the specs advance for timeouts, and a record of
// every SendTask* call that reached it (to prove nothing is sent twice).
type localSFN struct {
	server        *httptest.Server
	endpoint      *sfnlocal.Server
	clock         *sfnlocal.FakeClock
	client        *sfn.Client
	activityARN   string
	shippedARN    string
	fixedThreeARN string

	mu    sync.Mutex
	sends []sentTask
}

// sentTask is one SendTask* call as the endpoint received it.
type sentTask struct {
	op, token string
	at        time.Time
}

func startLocalSFN() *localSFN {
	l := &localSFN{clock: sfnlocal.NewFakeClock(time.Now())}
	var err error
	l.endpoint, err = sfnlocal.New(sfnlocal.Options{Region: "us-east-1", AccountID: "123456789012", Clock: l.clock})
	Expect(err).NotTo(HaveOccurred())
	l.server = httptest.NewServer(http.HandlerFunc(l.record))
	l.client = sfn.New(sfn.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(l.server.URL),
		Credentials:  aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider("test", "test", "")),
	})

	act, err := l.client.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("tollgate-approvals")})
	Expect(err).NotTo(HaveOccurred())
	l.activityARN = aws.ToString(act.ActivityArn)
	l.shippedARN = l.createMachine("tollgate-approval", approvalmachine.ShippedPath)
	l.fixedThreeARN = l.createMachine("fixed-three", approvalmachine.FixedThreePath)
	return l
}

func (l *localSFN) createMachine(name, path string) string {
	file, err := approvalmachine.RepoFile(path)
	Expect(err).NotTo(HaveOccurred())
	def, err := approvalmachine.Load(file, map[string]string{
		approvalmachine.ActivityArnPlaceholder: l.activityARN,
		approvalmachine.TopicArnPlaceholder:    "",
	})
	Expect(err).NotTo(HaveOccurred())
	out, err := l.client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name:       aws.String(name),
		Definition: aws.String(string(def)),
		RoleArn:    aws.String("arn:aws:iam::123456789012:role/tollgate-approval"),
	})
	Expect(err).NotTo(HaveOccurred())
	return aws.ToString(out.StateMachineArn)
}

// record notes SendTask* calls, then serves the request.
func (l *localSFN) record(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AWSStepFunctions.")
	if op == "SendTaskSuccess" || op == "SendTaskFailure" {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		var in struct {
			TaskToken string `json:"taskToken"`
		}
		_ = json.Unmarshal(body, &in)
		l.mu.Lock()
		l.sends = append(l.sends, sentTask{op: op, token: in.TaskToken, at: time.Now()})
		l.mu.Unlock()
	}
	l.endpoint.ServeHTTP(w, r)
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

func (l *localSFN) stop() {
	l.server.Close()
	Expect(l.endpoint.Close()).To(Succeed())
}
