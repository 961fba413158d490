package sfnlocal

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go"
)

// documentedErrors are the error codes each operation may answer: those the
// Step Functions model lists for it (the SDK's deserializers know no others),
// and ValidationException, which AWS answers for any call that breaks a
// constraint of the model (a length, a range).
var documentedErrors = map[string][]string{
	"CreateActivity":      {"ActivityAlreadyExists", "ActivityLimitExceeded", "InvalidEncryptionConfiguration", "InvalidName", "KmsAccessDeniedException", "KmsThrottlingException", "TooManyTags"},
	"CreateStateMachine":  {"ConflictException", "InvalidArn", "InvalidDefinition", "InvalidEncryptionConfiguration", "InvalidLoggingConfiguration", "InvalidName", "InvalidTracingConfiguration", "KmsAccessDeniedException", "KmsThrottlingException", "StateMachineAlreadyExists", "StateMachineDeleting", "StateMachineLimitExceeded", "StateMachineTypeNotSupported", "TooManyTags"},
	"DeleteActivity":      {"InvalidArn"},
	"DeleteStateMachine":  {"InvalidArn"},
	"DescribeExecution":   {"ExecutionDoesNotExist", "InvalidArn"},
	"GetActivityTask":     {"ActivityDoesNotExist", "ActivityWorkerLimitExceeded", "InvalidArn"},
	"GetExecutionHistory": {"ExecutionDoesNotExist", "InvalidArn", "InvalidToken"},
	"SendTaskFailure":     {"InvalidToken", "TaskDoesNotExist", "TaskTimedOut"},
	"SendTaskHeartbeat":   {"InvalidToken", "TaskDoesNotExist", "TaskTimedOut"},
	"SendTaskSuccess":     {"InvalidOutput", "InvalidToken", "TaskDoesNotExist", "TaskTimedOut"},
	"StartExecution":      {"ExecutionAlreadyExists", "ExecutionLimitExceeded", "InvalidArn", "InvalidExecutionInput", "InvalidName", "StateMachineDeleting", "StateMachineDoesNotExist"},
	"StopExecution":       {"ExecutionDoesNotExist", "InvalidArn"},
	"UpdateStateMachine":  {"ConflictException", "InvalidArn", "InvalidDefinition", "MissingRequiredParameter", "ServiceQuotaExceededException", "StateMachineDeleting", "StateMachineDoesNotExist"},
}

// fuzzActivity is the activity the seed definitions name.
const fuzzActivity = "arn:aws:states:us-east-1:123456789012:activity:a"

// fuzzDefinitions are seeds that hold work (activity tasks in Map,
// Parallel and retries), use variables, and run into the limits.
var fuzzDefinitions = []string{
	`{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":1,"ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + fuzzActivity + `","HeartbeatSeconds":5,"End":true}}},"End":true}}}`,
	`{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + fuzzActivity + `","TimeoutSeconds":9,"Retry":[{"ErrorEquals":["States.TaskFailed"],"MaxAttempts":1}],"End":true}}},{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","End":true}}}],"Catch":[{"ErrorEquals":["States.ALL"],"Assign":{"e.$":"$.Error"},"Next":"F"}],"End":true},"F":{"Type":"Fail","ErrorPath":"$e","CausePath":"States.Format('{}', $e)"}}}`,
	`{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"n":3,"items":[1,2]},"Next":"T"},"T":{"Type":"Task","Resource":"` + fuzzActivity + `","TimeoutSecondsPath":"$n","Parameters":{"x.$":"$items"},"Next":"C"},"C":{"Type":"Choice","Choices":[{"Variable":"$.ok","IsPresent":true,"Assign":{"n":1},"Next":"A"}],"Default":"D"},"D":{"Type":"Succeed"}}}`,
}

// FuzzCallSequences plays random definitions and random sequences of calls
// (start, poll, send success, failure or heartbeat, stop, delete, update,
// time passing) against the endpoint through the SDK, over HTTP. Nothing may
// panic (the server counts what it recovered), no call may be answered with
// a 5xx, and every error must be one the API documents for its operation.
// Its seeds run with go test; go test -fuzz FuzzCallSequences explores.
func FuzzCallSequences(f *testing.F) {
	ops := []byte{0, 1, 1, 2, 0, 1, 3, 7, 4, 1, 5, 6, 0, 8, 9, 10, 11, 7, 2, 3}
	for _, d := range append(append(repoDefinitions(f), smallDefinitions...), fuzzDefinitions...) {
		f.Add(d, ops)
		f.Add(d, []byte{0, 0, 6, 1, 2, 1, 2, 7, 7, 0})
		f.Add(d, []byte{0, 1, 5, 1, 2}) // stop while work is held
	}
	f.Fuzz(func(t *testing.T, definition string, ops []byte) {
		if len(ops) > 64 {
			ops = ops[:64] // a bounded run per input
		}
		p := newCallPlayer(t, definition)
		for i, op := range ops {
			p.play(i, op)
		}
		if n := p.e.srv.Panics(); n != 0 {
			t.Fatalf("the server recovered %d panics", n)
		}
	})
}

// callPlayer plays calls on one endpoint, remembering what they returned.
type callPlayer struct {
	t       *testing.T
	e       *env
	machine string
	def     string
	execs   []string
	tokens  []string
}

func newCallPlayer(t *testing.T, definition string) *callPlayer {
	e := newEnv(t, Options{})
	e.client = sfn.New(e.client.Options(), func(o *sfn.Options) { o.RetryMaxAttempts = 1 })
	p := &callPlayer{t: t, e: e, def: definition}
	p.check("CreateActivity", call(e.client.CreateActivity(e.ctx, &sfn.CreateActivityInput{Name: aws.String("a")})))
	out, err := e.client.CreateStateMachine(e.ctx, &sfn.CreateStateMachineInput{Name: aws.String("m"), Definition: aws.String(definition), RoleArn: aws.String(testRole)})
	p.check("CreateStateMachine", err)
	if err != nil {
		// Play the calls on a machine that holds a task all the same.
		p.def = fuzzDefinitions[0]
		out, err = e.client.CreateStateMachine(e.ctx, &sfn.CreateStateMachineInput{Name: aws.String("m"), Definition: aws.String(p.def), RoleArn: aws.String(testRole)})
		if err != nil {
			t.Fatalf("CreateStateMachine of a seed: %v", err)
		}
	}
	p.machine = aws.ToString(out.StateMachineArn)
	return p
}

// call drops an operation's output, keeping its error.
func call[T any](_ T, err error) error { return err }

func (p *callPlayer) pick(list []string, i int) string {
	if len(list) == 0 {
		return "arn:aws:states:us-east-1:123456789012:execution:m:none"
	}
	return list[i%len(list)]
}

func (p *callPlayer) token(i int, op byte) string {
	switch {
	case op%5 == 0:
		return strings.Repeat("t", 2049) // too long
	case op%7 == 0 || len(p.tokens) == 0:
		return "never-issued"
	}
	return p.tokens[i%len(p.tokens)]
}

// play runs call number i, chosen by op.
func (p *callPlayer) play(i int, op byte) {
	e, ctx := p.e, p.e.ctx
	exec := p.pick(p.execs, i)
	switch op % 12 {
	case 0:
		out, err := e.client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(p.machine), Name: aws.String(sprintf("e%d", i%4)), Input: aws.String(`{"items":[1,2,3],"s":3,"ok":true}`)})
		if p.check("StartExecution", err); err == nil {
			p.execs = append(p.execs, aws.ToString(out.ExecutionArn))
		}
	case 1:
		if !p.taskQueued() {
			return // a long poll would wait for the fake clock
		}
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		out, err := e.client.GetActivityTask(pctx, &sfn.GetActivityTaskInput{ActivityArn: aws.String(fuzzActivity)})
		if p.check("GetActivityTask", err); err == nil && out.TaskToken != nil {
			p.tokens = append(p.tokens, aws.ToString(out.TaskToken))
		}
	case 2:
		p.check("SendTaskSuccess", call(e.client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(p.token(i, op)), Output: aws.String(`{"ok":1}`)})))
	case 3:
		p.check("SendTaskFailure", call(e.client.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: aws.String(p.token(i, op)), Error: aws.String("Rejected")})))
	case 4:
		p.check("SendTaskHeartbeat", call(e.client.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String(p.token(i, op))})))
	case 5:
		p.check("StopExecution", call(e.client.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: aws.String(exec)})))
	case 6:
		p.check("DeleteStateMachine", call(e.client.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: aws.String(p.machine)})))
	case 7:
		e.clock.Advance(time.Duration(op) * time.Second)
	case 8:
		p.check("DescribeExecution", call(e.client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(exec)})))
		p.check("GetExecutionHistory", call(e.client.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(exec), ReverseOrder: true, MaxResults: 3})))
	case 9:
		p.check("UpdateStateMachine", call(e.client.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(p.machine), Definition: aws.String(p.def)})))
	case 10:
		p.check("DeleteActivity", call(e.client.DeleteActivity(ctx, &sfn.DeleteActivityInput{ActivityArn: aws.String(fuzzActivity)})))
	case 11:
		p.check("CreateActivity", call(e.client.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("a")})))
	}
}

// taskQueued reports whether a poll would get a task at once: the queue
// also keeps the tokens of tasks that ended before delivery.
func (p *callPlayer) taskQueued() bool {
	s := p.e.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.activities[fuzzActivity]
	return a != nil && slices.ContainsFunc(a.queue, func(tok string) bool { return s.tokens[tok] != nil && s.tokens[tok].Open })
}

// check fails the run on an answer the API does not document for op.
func (p *callPlayer) check(op string, err error) {
	p.t.Helper()
	if err == nil {
		return
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() >= 500 {
		p.t.Fatalf("%s: HTTP %d: %v", op, re.HTTPStatusCode(), err)
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		p.t.Fatalf("%s: no API error: %v", op, err)
	}
	if code := apiErr.ErrorCode(); code != "ValidationException" && !slices.Contains(documentedErrors[op], code) {
		p.t.Fatalf("%s answered %s, which the API does not document for it: %v", op, code, err)
	}
}
