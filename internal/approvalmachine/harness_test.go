package approvalmachine

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/tollgate-dev/tollgate/internal/approval"
	"github.com/tollgate-dev/tollgate/internal/sfnlocal"
)

// A harness that plays the operator against the local Step Functions endpoint, through the
// real SDK client: it starts executions with the contract's input, works the approval
// activity and answers with the contract's decisions.

var t0 = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

const heartbeatSeconds = 300

type harness struct {
	t           *testing.T
	clock       *sfnlocal.FakeClock
	sfn         *sfn.Client
	activityArn string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	clock := sfnlocal.NewFakeClock(t0)
	srv, err := sfnlocal.New(sfnlocal.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); _ = srv.Close() })
	client := sfn.New(sfn.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(hs.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		// The SDK's default retryer, as the operator has: it retries a connection the
		// transport found closed, which on a loaded machine happens between two calls.
	})
	h := &harness{t: t, clock: clock, sfn: client}
	act, err := client.CreateActivity(h.ctx(), &sfn.CreateActivityInput{Name: aws.String("tollgate-approval")})
	if err != nil {
		t.Fatal(err)
	}
	h.activityArn = *act.ActivityArn
	return h
}

func (h *harness) ctx() context.Context { return h.ctxWithin(5 * time.Second) }

// ctxWithin bounds a call. Contexts are cancelled when the test ends, never right after a
// call: cancelling a finished call's context can close the connection the next call reuses.
func (h *harness) ctxWithin(d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	h.t.Cleanup(cancel)
	return ctx
}

// createMachine creates the machine of a definition file (placeholders substituted as a
// deployment without notifications would) and returns its ARN.
func (h *harness) createMachine(path string) string {
	h.t.Helper()
	return h.createMachineWithTopic(path, "")
}

// createMachineWithTopic creates the machine of a definition file for a deployment that
// notifies approvers on topicArn ("" = no notification) and returns its ARN.
func (h *harness) createMachineWithTopic(path, topicArn string) string {
	h.t.Helper()
	file, err := RepoFile(path)
	if err != nil {
		h.t.Fatal(err)
	}
	definition, err := Load(file, map[string]string{ActivityArnPlaceholder: h.activityArn, TopicArnPlaceholder: topicArn})
	if err != nil {
		h.t.Fatal(err)
	}
	out, err := h.sfn.CreateStateMachine(h.ctx(), &sfn.CreateStateMachineInput{
		Name:       aws.String("tollgate-approval"),
		Definition: aws.String(string(definition)),
		RoleArn:    aws.String("arn:aws:iam::123456789012:role/tollgate-approval"),
	})
	if err != nil {
		h.t.Fatalf("CreateStateMachine(%s): %v", path, err)
	}
	return *out.StateMachineArn
}

// request is the execution input of the contract. Zero fields take the defaults below.
type request struct {
	approvers         []string
	requiredApprovals int
	expiresAt         time.Time
	// emails gives the slots that have an address; nil: every slot has name@example.com.
	emails           map[string]string
	description      string
	heartbeatSeconds int
}

func (h *harness) start(machineArn string, r request) string {
	h.t.Helper()
	approvers := make([]map[string]string, len(r.approvers))
	for i, name := range r.approvers {
		approvers[i] = map[string]string{"name": name}
		if email, ok := r.emails[name]; ok || r.emails == nil {
			approvers[i]["email"] = cmp.Or(email, name+"@example.com")
		}
	}
	if r.expiresAt.IsZero() {
		r.expiresAt = t0.Add(24 * time.Hour)
	}
	input, _ := json.Marshal(map[string]any{
		"tollgate": map[string]any{
			"version": "v1alpha1", "cluster": "test", "namespace": "team-a", "name": "deploy-prod", "uid": "6f1c",
			"requiredApprovals": r.requiredApprovals, "approverCount": len(r.approvers),
			"expiresAt": r.expiresAt.Format(time.RFC3339), "heartbeatSeconds": cmp.Or(r.heartbeatSeconds, heartbeatSeconds),
		},
		"description": cmp.Or(r.description, "Deploy v1.2.3 to prod"),
		"approvers":   approvers,
		"payload":     map[string]any{"image": "v1.2.3"},
	})
	out, err := h.sfn.StartExecution(h.ctx(), &sfn.StartExecutionInput{
		StateMachineArn: aws.String(machineArn),
		Name:            aws.String(fmt.Sprintf("tollgate-%d", time.Now().UnixNano())),
		Input:           aws.String(string(input)),
	})
	if err != nil {
		h.t.Fatalf("StartExecution: %v", err)
	}
	return *out.ExecutionArn
}

// task is an activity task as the operator receives it.
type task struct {
	token string
	input map[string]any
}

func (tk task) kind() string     { s, _ := tk.input["task"].(string); return s }
func (tk task) approver() string { s, _ := tk.input["approver"].(string); return s }

// execution is the execution the machine says the task belongs to (contract: executionArn).
func (tk task) execution() string { s, _ := tk.input["executionArn"].(string); return s }

// poll returns the next activity task, failing the test when none comes in time.
func (h *harness) poll() task {
	h.t.Helper()
	out, err := h.sfn.GetActivityTask(h.ctxWithin(2*time.Second), &sfn.GetActivityTaskInput{ActivityArn: aws.String(h.activityArn), WorkerName: aws.String("tollgate-test")})
	if err != nil || out.TaskToken == nil || *out.TaskToken == "" {
		h.t.Fatalf("no activity task (err %v)", err)
	}
	var input map[string]any
	if err := json.Unmarshal([]byte(*out.Input), &input); err != nil {
		h.t.Fatalf("task input is not a JSON object: %v", err)
	}
	return task{token: *out.TaskToken, input: input}
}

// approvals polls n approval tasks, by approver.
func (h *harness) approvals(n int) map[string]task {
	h.t.Helper()
	tasks := map[string]task{}
	for range n {
		tk := h.poll()
		if tk.kind() != "approval" {
			h.t.Fatalf("want an approval task, got %v", tk.input)
		}
		tasks[tk.approver()] = tk
	}
	if len(tasks) != n {
		h.t.Fatalf("want %d distinct approvers, got %d", n, len(tasks))
	}
	return tasks
}

// decision is the contract's decision object.
func decision(tk task, verdict, quorum string) string {
	d, _ := json.Marshal(map[string]string{
		"approver": tk.approver(), "decision": verdict, "decidedBy": tk.approver() + "@corp",
		"decidedAt": t0.Format(time.RFC3339), "comment": "", "quorum": quorum,
	})
	return string(d)
}

func (h *harness) approve(tk task, quorum string) {
	h.t.Helper()
	if _, err := h.sfn.SendTaskSuccess(h.ctx(), &sfn.SendTaskSuccessInput{TaskToken: aws.String(tk.token), Output: aws.String(decision(tk, "approve", quorum))}); err != nil {
		h.t.Fatalf("approve %s: %v", tk.approver(), err)
	}
}

func (h *harness) reject(tk task, quorum string) {
	h.t.Helper()
	_, err := h.sfn.SendTaskFailure(h.ctx(), &sfn.SendTaskFailureInput{
		TaskToken: aws.String(tk.token), Error: aws.String(approval.ErrorRejected), Cause: aws.String(decision(tk, "reject", quorum)),
	})
	if err != nil {
		h.t.Fatalf("reject %s: %v", tk.approver(), err)
	}
}

// expectClosed asserts that a token's task has ended: any answer is TaskTimedOut.
func (h *harness) expectClosed(tk task) {
	h.t.Helper()
	_, err := h.sfn.SendTaskSuccess(h.ctx(), &sfn.SendTaskSuccessInput{TaskToken: aws.String(tk.token), Output: aws.String("{}")})
	if timedOut := (*types.TaskTimedOut)(nil); !errors.As(err, &timedOut) {
		h.t.Errorf("answer on %s's closed token: want TaskTimedOut, got %v", tk.approver(), err)
	}
}

// reportedOutcome takes the outcome report task, skipping approval tasks that were queued
// before the gate closed, and acknowledges it as the operator does.
func (h *harness) reportedOutcome() map[string]any {
	h.t.Helper()
	for range 50 {
		tk := h.poll()
		if tk.kind() != "outcome" {
			continue
		}
		if _, err := h.sfn.SendTaskSuccess(h.ctx(), &sfn.SendTaskSuccessInput{TaskToken: aws.String(tk.token), Output: aws.String("{}")}); err != nil {
			h.t.Fatalf("acknowledge the outcome: %v", err)
		}
		return tk.input
	}
	h.t.Fatal("no outcome task")
	return nil
}

// expectEnd waits for the execution to close and checks its status and error.
func (h *harness) expectEnd(execArn string, status types.ExecutionStatus, errorName string) {
	h.t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		out, err := h.sfn.DescribeExecution(h.ctx(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(execArn)})
		if err != nil {
			h.t.Fatal(err)
		}
		if out.Status != types.ExecutionStatusRunning {
			if out.Status != status || aws.ToString(out.Error) != errorName {
				h.t.Errorf("execution ended %s (error %q, cause %q), want %s (error %q)", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause), status, errorName)
			}
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("execution still RUNNING, want %s", status)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
