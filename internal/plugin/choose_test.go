package plugin

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

func TestChooseSlot(t *testing.T) {
	aliceInSecurity := person{Username: "alice@example.com", Groups: []string{"security-oncall"}}
	cases := []struct {
		name     string
		change   func(*v1.ApprovalRequest)
		who      person
		wanted   string
		want     string
		wantErrs []string
	}{
		{name: "my one slot, by user", who: alice, want: "alice"},
		{name: "my one slot, by group", who: carol, want: "security"},
		{name: "two slots are mine: ambiguous", who: aliceInSecurity, wantErrs: []string{"may decide 2 slots", "alice, security", "--slot"}},
		{name: "--slot settles the ambiguity", who: aliceInSecurity, wanted: "security", want: "security"},
		{name: "not an approver", who: mallory, wantErrs: []string{"you (mallory@example.com) are not an approver of ApprovalRequest team-a/deploy", "alice (alice@example.com)", "security (group security-oncall)"}},
		{name: "--slot is left to the webhook", who: mallory, wanted: "alice", want: "alice"},
		{name: "unknown --slot", who: alice, wanted: "nobody", wantErrs: []string{`has no slot "nobody"`, "alice, bob, security"}},
		{name: "the requester", who: ravi, wantErrs: []string{"created ApprovalRequest team-a/deploy", "allowSelfApproval"}},
		{
			name: "the requester, self-approval allowed",
			change: func(r *v1.ApprovalRequest) {
				r.Spec.Approvers[1].Users = []string{ravi.Username}
				r.Spec.Policy = &v1.ApprovalPolicy{AllowSelfApproval: true}
			},
			who: ravi, want: "bob",
		},
		{
			name:     "already decided by me",
			change:   func(r *v1.ApprovalRequest) { decide(r, "alice", v1.DecisionApprove, alice.Username, t0) },
			who:      alice,
			wantErrs: []string{"you (alice@example.com) already decided slot alice", "Approve by alice@example.com at 2026-11-30T09:00:00Z", "one person counts once"},
		},
		{
			name:     "--slot already decided",
			change:   func(r *v1.ApprovalRequest) { decide(r, "bob", v1.DecisionReject, "bob@example.com", t0) },
			who:      alice,
			wanted:   "bob",
			wantErrs: []string{"slot bob of ApprovalRequest team-a/deploy is already decided: Reject by bob@example.com", "a decision is final"},
		},
		{
			name:     "my slot was decided by someone else of my group",
			change:   func(r *v1.ApprovalRequest) { decide(r, "security", v1.DecisionApprove, "dave@example.com", t0) },
			who:      carol,
			wantErrs: []string{"every slot of ApprovalRequest team-a/deploy you (carol@example.com) may decide is already decided", "security (Approve by dave@example.com"},
		},
		{
			name:     "the request ended",
			change:   func(r *v1.ApprovalRequest) { r.Status.Phase = v1.PhaseRejected },
			who:      alice,
			wantErrs: []string{"ApprovalRequest team-a/deploy is already Rejected: it takes no more decisions"},
		},
		{
			name:     "the request ended, with --slot",
			change:   func(r *v1.ApprovalRequest) { r.Status.Phase = v1.PhaseApproved },
			who:      alice,
			wanted:   "alice",
			wantErrs: []string{"is already Approved"},
		},
		{
			name:     "the request is being deleted",
			change:   func(r *v1.ApprovalRequest) { r.DeletionTimestamp = &metav1.Time{Time: t0.Time} },
			who:      alice,
			wantErrs: []string{"is being deleted"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := pendingRequest()
			if c.change != nil {
				c.change(req)
			}
			got, err := chooseSlot(req, c.who, c.wanted)
			if len(c.wantErrs) == 0 {
				if err != nil || got != c.want {
					t.Fatalf("chooseSlot = %q, %v; want %q", got, err, c.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("chooseSlot = %q, want an error", got)
			}
			for _, want := range c.wantErrs {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}

func TestOpenSlotsForOnlyWhatICanDecide(t *testing.T) {
	req := pendingRequest()
	if got := slotNames(openSlotsFor(req, alice)); len(got) != 1 || got[0] != "alice" {
		t.Fatalf("alice's open slots = %v, want [alice]", got)
	}
	if got := openSlotsFor(req, mallory); len(got) != 0 {
		t.Fatalf("mallory's open slots = %v, want none", slotNames(got))
	}
	if got := openSlotsFor(req, ravi); len(got) != 0 {
		t.Fatalf("the requester's open slots = %v, want none", slotNames(got))
	}
	req.Status = v1.ApprovalRequestStatus{} // not started: the slots come from the spec
	if got := slotNames(openSlotsFor(req, carol)); len(got) != 1 || got[0] != "security" {
		t.Fatalf("carol's open slots before the start = %v, want [security]", got)
	}
}

func TestWithPendingCountsAdmittedDecisions(t *testing.T) {
	req := pendingRequest()
	record := `{"v":1,"slot":"alice","by":{"username":"alice@example.com"}}`
	owned := []metav1.OwnerReference{{APIVersion: v1.GroupVersion.String(), Kind: "ApprovalRequest", Name: "deploy", UID: "uid-1"}}
	decision := func(name, slotName string, annotations map[string]string, owners []metav1.OwnerReference, phase v1.DecisionPhase) v1.ApproverDecision {
		return v1.ApproverDecision{
			ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: name, Annotations: annotations, OwnerReferences: owners, CreationTimestamp: t0},
			Spec:       v1.ApproverDecisionSpec{ApprovalRequestName: "deploy", Approver: slotName, Decision: v1.DecisionApprove},
			Status:     v1.ApproverDecisionStatus{Phase: phase},
		}
	}
	cases := []struct {
		name        string
		decision    v1.ApproverDecision
		wantDecided bool
	}{
		{"admitted, not recorded yet", decision("d1", "alice", map[string]string{v1.RecordAnnotation: record}, owned, ""), true},
		{"without the webhook's record", decision("d2", "alice", nil, nil, ""), false},
		{"refused by the operator", decision("d3", "alice", map[string]string{v1.RecordAnnotation: record}, owned, v1.DecisionRefused), false},
		{"an earlier request's", decision("d4", "alice", map[string]string{v1.RecordAnnotation: record},
			[]metav1.OwnerReference{{APIVersion: v1.GroupVersion.String(), Kind: "ApprovalRequest", Name: "deploy", UID: "uid-0"}}, ""), false},
		{"a slot the spec does not name", decision("d5", "nobody", map[string]string{v1.RecordAnnotation: record}, owned, ""), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			merged := withPending(req, []v1.ApproverDecision{c.decision})
			_, decided := decidedBy(merged, alice)
			if decided != c.wantDecided {
				t.Fatalf("alice decided = %v, want %v (status %+v)", decided, c.wantDecided, merged.Status.Approvers)
			}
			if req.Status.Approvers[0].Decision != "" {
				t.Fatal("withPending changed the request it was given")
			}
		})
	}
}
