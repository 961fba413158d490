package approvalmachine

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// Issue #26: a task belongs to one execution. Anyone who may start the machine can give an
// execution a real request's identity (the tollgate object is input, written by whoever
// starts it); the execution's ARN is not input: the machine copies it from the context object
// into every activity task, so the operator can tell the request's own execution
// (status.executionARN) from a hand-started one.

// Two executions with the same request identity: each task names its own execution.
func TestShippedTasksCarryTheirExecution(t *testing.T) {
	h := newHarness(t)
	machine := h.createMachine(ShippedPath)
	identity := request{approvers: abc, requiredApprovals: 1}
	own := h.start(machine, identity)
	handStarted := h.start(machine, identity)
	byExecution := map[string][]task{}
	for range 2 * len(abc) {
		tk := h.poll()
		byExecution[tk.execution()] = append(byExecution[tk.execution()], tk)
	}
	if len(byExecution[own]) != len(abc) || len(byExecution[handStarted]) != len(abc) {
		t.Fatalf("approval tasks by executionArn: %d for %s, %d for %s, %d in all; want %d each",
			len(byExecution[own]), own, len(byExecution[handStarted]), handStarted, len(byExecution), len(abc))
	}

	// The hand-started execution's outcome report names it too, not the request's execution.
	h.approve(byExecution[handStarted][0], "reached")
	report := h.reportedOutcome()
	if got := report["executionArn"]; got != handStarted {
		t.Errorf("the outcome task of %s says executionArn %v", handStarted, got)
	}
	h.expectEnd(handStarted, types.ExecutionStatusSucceeded, "")
	if _, err := h.sfn.StopExecution(h.ctx(), &sfn.StopExecutionInput{ExecutionArn: aws.String(own)}); err != nil {
		t.Fatal(err)
	}
}

// A user's own machine must carry the field too: the fixed-three example does.
func TestFixedThreeTasksCarryTheirExecution(t *testing.T) {
	h := newHarness(t)
	exec := h.start(h.createMachine(FixedThreePath), request{approvers: abc, requiredApprovals: 3})
	for name, tk := range h.approvals(3) {
		if tk.execution() != exec {
			t.Errorf("%s's task says executionArn %q, want %q", name, tk.execution(), exec)
		}
	}
}

// The outcome report's heartbeat is below its timeout, so a report taken by an operator that
// died is handed out again (as the contract says) rather than timing out with the task. With
// the operator's default heartbeatSeconds (3600) equal to the report's TimeoutSeconds (3600),
// the report was never re-issued.
func TestShippedReportIsReissuedBeforeItsTimeout(t *testing.T) {
	h := newHarness(t)
	exec := h.start(h.createMachine(ShippedPath), request{approvers: []string{"alice"}, requiredApprovals: 1, heartbeatSeconds: 3600})
	h.approve(h.approvals(1)["alice"], "reached")
	lost := h.poll() // taken by an operator that dies before answering
	if lost.kind() != "outcome" {
		t.Fatalf("want the outcome task, got %v", lost.input)
	}
	h.clock.Advance(reportHeartbeatSeconds*time.Second + time.Second) // nobody heartbeats it
	h.clock.Advance(time.Second)                                      // the Retry interval
	again := h.poll()
	if again.kind() != "outcome" || again.token == lost.token {
		t.Fatalf("want the outcome task again with a new token, got %v", again.input)
	}
	h.expectClosed(lost)
	if _, err := h.sfn.SendTaskSuccess(h.ctx(), &sfn.SendTaskSuccessInput{TaskToken: aws.String(again.token), Output: aws.String("{}")}); err != nil {
		t.Fatal(err)
	}
	h.expectEnd(exec, types.ExecutionStatusSucceeded, "")
}
