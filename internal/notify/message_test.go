package notify

import (
	"fmt"
	"strings"
	"testing"
	"time"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

func TestWaiting(t *testing.T) {
	m, err := Waiting(request(), "security", "alice@example.com", received)
	if err != nil {
		t.Fatal(err)
	}
	if m.Kind != KindWaiting || m.Slot != "security" || m.Requester != "alice@example.com" || !m.At.Equal(received) {
		t.Errorf("message %+v", m)
	}
	if want := created.Add(72 * time.Hour); !m.Deadline.Equal(want) {
		t.Errorf("deadline %v, want %v (creation + timeout)", m.Deadline, want)
	}
	if s := m.slot(); s.Name != "security" || s.Groups[0] != "security-oncall" || s.Users[0] != "carol@example.com" {
		t.Errorf("slot %+v", s)
	}
	if _, err := Waiting(request(), "nobody", "alice@example.com", received); err == nil {
		t.Error("a message for a slot the request does not have")
	}
}

// A request under a GatePolicy names no slots of its own: its messages carry the slots of the
// policy it captured, and none before it captured one.
func TestWaitingUnderAPolicy(t *testing.T) {
	req := request()
	policy := v1.GatePolicySpec{Approvers: req.Spec.Approvers}
	req.Spec.Approvers = nil
	req.Spec.PolicyRef = &v1.PolicyReference{Name: "payments-deploy"}
	if _, err := Waiting(req, "security", "alice@example.com", received); err == nil {
		t.Error("a message for a slot of a policy the request has not captured")
	}
	req.Status.Policy = &v1.CapturedPolicy{Name: "payments-deploy", Spec: policy}
	m, err := Waiting(req, "security", "alice@example.com", received)
	if err != nil {
		t.Fatal(err)
	}
	if s := m.slot(); s.Name != "security" || s.Groups[0] != "security-oncall" || s.Users[0] != "carol@example.com" {
		t.Errorf("slot %+v, want the captured policy's", s)
	}
	if len(m.Slots) != 2 {
		t.Errorf("slots %+v, want the captured policy's two", m.Slots)
	}
}

func TestEnded(t *testing.T) {
	m := Ended(request(), "alice@example.com", "bob rejected", ended)
	if m.Kind != KindEnded || m.Phase != v1.PhaseRejected || m.Reason != "bob rejected" {
		t.Errorf("message %+v", m)
	}
	if len(m.Decisions) != 1 {
		t.Fatalf("decisions %+v, want bob's alone (security is undecided)", m.Decisions)
	}
	if d := m.Decisions[0]; d.Slot != "bob" || d.Decision != v1.DecisionReject || d.By != "bob@example.com" || d.Comment != longComment || !d.At.Equal(ended) {
		t.Errorf("decision %+v", d)
	}
}

// A message carries nothing of the status but decisions: no task token, no record.
func TestMessagesHoldNoTokenNorRecord(t *testing.T) {
	w, err := Waiting(request(), "bob", "alice@example.com", received)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []Message{w, Ended(request(), "alice@example.com", "", ended)} {
		text := fmt.Sprintf("%#v", m)
		for _, s := range []string{rawToken, sealedToken, "sealed.v1.", "record-bob", "record-security"} {
			if strings.Contains(text, s) {
				t.Errorf("a %s message holds %q", m.Kind, s)
			}
		}
	}
}

func TestCommands(t *testing.T) {
	m, err := Waiting(request(), "security", "alice@example.com", received)
	if err != nil {
		t.Fatal(err)
	}
	want := Commands{
		Approve:         "kubectl tollgate approve deploy-v42 -n payments --slot security",
		Reject:          `kubectl tollgate reject deploy-v42 -n payments --slot security -m "why"`,
		AnnotateApprove: "kubectl annotate approvalrequest deploy-v42 -n payments approvals.tollgate.dev/security=approve",
		AnnotateReject:  `kubectl annotate approvalrequest deploy-v42 -n payments approvals.tollgate.dev/security=reject approvals.tollgate.dev/security.comment="why"`,
	}
	if got := m.commands(); got != want {
		t.Errorf("commands\n%+v\nwant\n%+v", got, want)
	}
}
