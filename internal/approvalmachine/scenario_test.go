package approvalmachine

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/tollgate-dev/tollgate/internal/approval"
)

// Scenarios of the shipped machine and of the fixed-three example, run unchanged on the
// local endpoint.

var abc = []string{"alice", "bob", "carol"}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestShippedAllApprove(t *testing.T) {
	h := newHarness(t)
	exec := h.start(h.createMachine(ShippedPath), request{approvers: abc, requiredApprovals: 3})
	tasks := h.approvals(3)
	if got, want := sortedKeys(tasks["alice"].input), []string{"approver", "description", "executionArn", "payload", "task", "tollgate"}; !reflect.DeepEqual(got, want) {
		t.Errorf("approval task input keys = %q, want %q", got, want)
	}
	h.approve(tasks["alice"], "open")
	h.approve(tasks["bob"], "open")
	h.approve(tasks["carol"], "reached")
	report := h.reportedOutcome()
	if report["outcome"] != "Approved" || report["error"] != approval.ErrorQuorumReached {
		t.Errorf("report = %v, want outcome Approved, error %s", report, approval.ErrorQuorumReached)
	}
	if got, want := sortedKeys(report), []string{"cause", "error", "executionArn", "outcome", "task", "tollgate"}; !reflect.DeepEqual(got, want) {
		t.Errorf("outcome task input keys = %q, want %q", got, want)
	}
	h.expectEnd(exec, types.ExecutionStatusSucceeded, "")
}

func TestShippedOneRejectionWhenAllMustApprove(t *testing.T) {
	h := newHarness(t)
	exec := h.start(h.createMachine(ShippedPath), request{approvers: abc, requiredApprovals: 3})
	tasks := h.approvals(3)
	h.approve(tasks["alice"], "open")
	h.reject(tasks["bob"], "unreachable")
	h.expectClosed(tasks["carol"])
	if report := h.reportedOutcome(); report["outcome"] != "Rejected" {
		t.Errorf("report = %v, want outcome Rejected", report)
	}
	h.expectEnd(exec, types.ExecutionStatusFailed, approval.ErrorRejected)
}

func TestShippedStopExecution(t *testing.T) {
	h := newHarness(t)
	exec := h.start(h.createMachine(ShippedPath), request{approvers: abc, requiredApprovals: 3})
	tasks := h.approvals(3)
	if _, err := h.sfn.StopExecution(h.ctx(), &sfn.StopExecutionInput{ExecutionArn: aws.String(exec)}); err != nil {
		t.Fatal(err)
	}
	h.expectEnd(exec, types.ExecutionStatusAborted, "")
	for _, name := range abc {
		h.expectClosed(tasks[name])
	}
}

// Two of three: the votes in order, and the expected outcome.
func TestShippedTwoOfThree(t *testing.T) {
	type vote struct{ approver, verdict, quorum string }
	cases := []struct {
		name    string
		votes   []vote
		outcome string
		status  types.ExecutionStatus
		error   string
	}{
		{"two approvals", []vote{{"alice", "approve", "open"}, {"bob", "approve", "reached"}},
			"Approved", types.ExecutionStatusSucceeded, ""},
		{"a rejection then two approvals", []vote{{"alice", "reject", "open"}, {"bob", "approve", "open"}, {"carol", "approve", "reached"}},
			"Approved", types.ExecutionStatusSucceeded, ""},
		{"two rejections", []vote{{"alice", "reject", "open"}, {"bob", "reject", "unreachable"}},
			"Rejected", types.ExecutionStatusFailed, approval.ErrorRejected},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			exec := h.start(h.createMachine(ShippedPath), request{approvers: abc, requiredApprovals: 2})
			tasks := h.approvals(3)
			for _, v := range tc.votes {
				if v.verdict == "approve" {
					h.approve(tasks[v.approver], v.quorum)
				} else {
					h.reject(tasks[v.approver], v.quorum)
				}
				delete(tasks, v.approver)
			}
			for _, open := range tasks {
				h.expectClosed(open)
			}
			if report := h.reportedOutcome(); report["outcome"] != tc.outcome {
				t.Errorf("report = %v, want outcome %s", report, tc.outcome)
			}
			h.expectEnd(exec, tc.status, tc.error)
		})
	}
}

func TestShippedApproverCount(t *testing.T) {
	for _, n := range []int{1, 5, 20} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			h := newHarness(t)
			names := make([]string, n)
			for i := range names {
				names[i] = fmt.Sprintf("approver-%02d", i)
			}
			exec := h.start(h.createMachine(ShippedPath), request{approvers: names, requiredApprovals: n})
			tasks := h.approvals(n)
			for i, name := range names {
				quorum := "open"
				if i == n-1 {
					quorum = "reached"
				}
				h.approve(tasks[name], quorum)
			}
			if report := h.reportedOutcome(); report["outcome"] != "Approved" {
				t.Errorf("report = %v, want outcome Approved", report)
			}
			h.expectEnd(exec, types.ExecutionStatusSucceeded, "")
		})
	}
}

func TestShippedExpiry(t *testing.T) {
	t.Run("already past", func(t *testing.T) {
		h := newHarness(t)
		exec := h.start(h.createMachine(ShippedPath), request{approvers: abc, requiredApprovals: 2, expiresAt: t0.Add(-time.Minute)})
		if report := h.reportedOutcome(); report["outcome"] != "Expired" || report["error"] != approval.ErrorExpired {
			t.Errorf("report = %v, want outcome Expired, error %s", report, approval.ErrorExpired)
		}
		h.expectEnd(exec, types.ExecutionStatusFailed, approval.ErrorExpired)
	})
	t.Run("reached while waiting", func(t *testing.T) {
		h := newHarness(t)
		exec := h.start(h.createMachine(ShippedPath), request{approvers: abc, requiredApprovals: 2, expiresAt: t0.Add(10 * time.Second)})
		tasks := h.approvals(3)
		h.approve(tasks["alice"], "open")
		h.clock.Advance(10 * time.Second)
		h.expectClosed(tasks["bob"])
		if report := h.reportedOutcome(); report["outcome"] != "Expired" {
			t.Errorf("report = %v, want outcome Expired", report)
		}
		h.expectEnd(exec, types.ExecutionStatusFailed, approval.ErrorExpired)
	})
}

func TestShippedHeartbeatTimeoutReissuesTheSlot(t *testing.T) {
	h := newHarness(t)
	exec := h.start(h.createMachine(ShippedPath), request{approvers: []string{"alice"}, requiredApprovals: 1})
	lost := h.approvals(1)["alice"]
	h.clock.Advance((heartbeatSeconds + 1) * time.Second) // nobody heartbeats: the task times out
	h.clock.Advance(time.Second)                          // the Retry interval
	again := h.approvals(1)["alice"]
	if again.token == lost.token {
		t.Fatal("the re-issued task has the old token")
	}
	h.expectClosed(lost)
	h.approve(again, "reached")
	if report := h.reportedOutcome(); report["outcome"] != "Approved" {
		t.Errorf("report = %v, want outcome Approved", report)
	}
	h.expectEnd(exec, types.ExecutionStatusSucceeded, "")
}

func TestFixedThreeExample(t *testing.T) {
	t.Run("all approve", func(t *testing.T) {
		h := newHarness(t)
		exec := h.start(h.createMachine(FixedThreePath), request{approvers: abc, requiredApprovals: 3})
		for _, tk := range h.approvals(3) {
			h.approve(tk, "open") // the fixed machine ignores quorum
		}
		h.expectEnd(exec, types.ExecutionStatusSucceeded, "")
	})
	t.Run("one rejects", func(t *testing.T) {
		h := newHarness(t)
		exec := h.start(h.createMachine(FixedThreePath), request{approvers: abc, requiredApprovals: 3})
		tasks := h.approvals(3)
		h.approve(tasks["alice"], "open")
		h.reject(tasks["bob"], "unreachable")
		h.expectClosed(tasks["carol"])
		h.expectEnd(exec, types.ExecutionStatusFailed, approval.ErrorRejected)
	})
}
