package plugin

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

func TestOutcomeOfEachPhase(t *testing.T) {
	cases := []struct {
		phase     v1.Phase
		wantFinal bool
		wantCode  int
	}{
		{"", false, 0},
		{v1.PhasePending, false, 0},
		{v1.PhaseApproved, true, ExitApproved},
		{v1.PhaseRejected, true, ExitRejected},
		{v1.PhaseExpired, true, ExitExpired},
		{v1.PhaseFailed, true, ExitFailed},
		{v1.PhaseAborted, true, ExitAborted},
	}
	seen := map[int]v1.Phase{}
	for _, c := range cases {
		req := pendingRequest()
		req.Status.Phase = c.phase
		req.Status.Conditions = endedConditions(c.phase, "why it ended")
		got, final := outcomeOf(req)
		if final != c.wantFinal || got.Code != c.wantCode {
			t.Errorf("phase %q: outcome %+v final %v, want code %d final %v", c.phase, got, final, c.wantCode, c.wantFinal)
		}
		if !final {
			continue
		}
		if got.Message != "why it ended" {
			t.Errorf("phase %q: message %q, want the Ready condition's", c.phase, got.Message)
		}
		if other, dup := seen[got.Code]; dup {
			t.Errorf("phases %s and %s share exit code %d", other, c.phase, got.Code)
		}
		seen[got.Code] = c.phase
	}
	for _, code := range []int{ExitError, ExitTimedOut} {
		if phase, dup := seen[code]; dup {
			t.Errorf("exit code %d is both an outcome (%s) and an error or a timeout", code, phase)
		}
	}
}

// endedConditions are the conditions the operator writes once a request ended in phase.
func endedConditions(phase v1.Phase, message string) []metav1.Condition {
	if phase == v1.PhaseApproved {
		return []metav1.Condition{{Type: v1.ConditionReady, Status: metav1.ConditionTrue, Reason: "Approved", Message: message}}
	}
	return []metav1.Condition{
		{Type: v1.ConditionReady, Status: metav1.ConditionFalse, Reason: string(phase), Message: message},
		{Type: v1.ConditionStalled, Status: metav1.ConditionTrue, Reason: string(phase), Message: message},
	}
}

// The operator writes a final phase a moment before the conditions that go with it: until
// they agree, the request has no outcome yet.
func TestOutcomeWaitsForTheConditions(t *testing.T) {
	waiting := []metav1.Condition{
		{Type: v1.ConditionReady, Status: metav1.ConditionFalse, Reason: "AwaitingApprovals", Message: "2/2 approvals; waiting for "},
		{Type: v1.ConditionReconciling, Status: metav1.ConditionTrue, Reason: "AwaitingApprovals", Message: "2/2 approvals; waiting for "},
	}
	for _, phase := range []v1.Phase{v1.PhaseApproved, v1.PhaseRejected, v1.PhaseExpired, v1.PhaseFailed, v1.PhaseAborted} {
		req := pendingRequest()
		req.Status.Phase, req.Status.Conditions = phase, waiting
		if o, final := outcomeOf(req); final {
			t.Errorf("phase %s with the conditions of a waiting request is an outcome: %+v", phase, o)
		}
	}
}

func TestOutcomeString(t *testing.T) {
	for o, want := range map[outcome]string{
		{Phase: v1.PhaseApproved, Message: "Approved: 2/2 approvals (alice, bob)"}: "Approved: 2/2 approvals (alice, bob)",
		{Phase: v1.PhaseRejected, Message: "Rejected by bob"}:                      "Rejected by bob",
		{Phase: v1.PhaseFailed, Message: "StartExecution refused"}:                 "Failed: StartExecution refused",
		{Phase: v1.PhaseAborted}: "Aborted",
	} {
		if got := o.String(); got != want {
			t.Errorf("%+v = %q, want %q", o, got, want)
		}
	}
}

func TestTimelineTellsTheStory(t *testing.T) {
	req := pendingRequest()
	later := func(minutes int) metav1.Time { return metav1.NewTime(t0.Add(timeMinutes(minutes))) }
	started, done := later(1), later(5)
	req.Status.StartedAt, req.Status.CompletedAt = &started, &done
	decide(req, "alice", v1.DecisionApprove, alice.Username, later(3))
	req.Status.Approvers[0].Comment, req.Status.Approvers[0].Source = "lgtm", "ApproverDecision/deploy-alice-x"
	sent := later(4)
	req.Status.Approvers[0].SentAt = &sent
	req.Status.Phase = v1.PhaseRejected
	req.Status.Conditions = endedConditions(v1.PhaseRejected, "Rejected by bob")
	decisions := []decisionView{{Name: "deploy-alice-x", Slot: "alice", Decision: v1.DecisionApprove, CreatedAt: later(2), Phase: v1.DecisionAccepted, DecidedBy: alice.Username}}
	events := timelineOf(req, decisions)
	got := make([]string, 0, len(events))
	for _, e := range events {
		got = append(got, e.What)
	}
	want := []string{
		"created by ravi@example.com",
		"Step Functions execution started",
		"ApproverDecision deploy-alice-x: Approve slot alice by alice@example.com — Accepted",
		`slot alice: Approve by alice@example.com (ApproverDecision/deploy-alice-x): "lgtm"`,
		"slot alice: delivered to Step Functions",
		"Rejected by bob",
	}
	if len(got) != len(want) {
		t.Fatalf("timeline = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d = %q, want %q", i, got[i], want[i])
		}
	}
}
