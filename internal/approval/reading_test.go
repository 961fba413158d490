package approval

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// readingRequest is ravi's pending request with three slots — alice (user alice), bob (users
// bob and ravi) and security (group security-oncall) — all required; its execution started
// and every slot holds its task token.
func readingRequest() *v1.ApprovalRequest {
	req := &v1.ApprovalRequest{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "deploy", UID: "uid-1"},
		Spec: v1.ApprovalRequestSpec{Description: "d", Approvers: []v1.Approver{
			{Name: "alice", Users: []string{"alice"}},
			{Name: "bob", Users: []string{"bob", "ravi"}},
			{Name: "security", Groups: []string{"security-oncall"}},
		}},
		Status: v1.ApprovalRequestStatus{Phase: v1.PhasePending, ExecutionARN: "arn:aws:states:us-east-1:1:execution:m:tollgate-uid-1"},
	}
	// The ledger's order is the tokens' arrival, not the policy's.
	for _, name := range []string{"security", "alice", "bob"} {
		req.Status.Approvers = append(req.Status.Approvers, v1.ApproverStatus{Name: name, TaskToken: "sealed.v1.1." + name})
	}
	return req
}

// decidedSlot records a decision on a slot of req, by who.
func decidedSlot(req *v1.ApprovalRequest, slot string, d v1.Decision, who string) {
	e := Entry(req, slot)
	e.Decision, e.DecidedBy = d, who
}

func TestRead(t *testing.T) {
	// The people who read the request, by a label: a user and their groups.
	const alice, bob, ravi, carol, mallory, aliceOnCall = "alice", "bob", "ravi", "carol", "mallory", "alice on call"
	people := map[string]struct {
		user   string
		groups []string
	}{
		alice: {"alice", nil}, bob: {"bob", nil}, ravi: {"ravi", nil}, carol: {"carol", []string{"security-oncall"}},
		mallory: {"mallory", []string{"sre"}}, aliceOnCall: {"alice", []string{"security-oncall"}},
	}
	captured := func(req *v1.ApprovalRequest) {
		req.Spec.PolicyRef = &v1.PolicyReference{Name: "deploy-prod"}
		req.Status.Policy = &v1.CapturedPolicy{Name: "deploy-prod", Spec: v1.GatePolicySpec{Approvers: req.Spec.Approvers[:2]}}
		req.Spec.Approvers = nil
		req.Status.Approvers = slices.DeleteFunc(req.Status.Approvers, func(s v1.ApproverStatus) bool { return s.Name == "security" })
	}
	cases := []struct {
		name    string
		change  func(*v1.ApprovalRequest)
		counted func(*v1.ApproverStatus) bool
		// summary is the message's line; waiting is WaitingFor without a limit.
		summary, waiting string
		// open maps people (by label) to the slots they may decide now (none when absent).
		open map[string][]string
	}{
		{
			name:    "inline, nothing decided: every slot, each to its people",
			summary: "0/3 approvals; waiting for alice, bob, security", waiting: "alice (alice), bob (bob, ravi), security (group security-oncall)",
			open: map[string][]string{alice: {"alice"}, bob: {"bob"}, carol: {"security"}, aliceOnCall: {"alice", "security"}},
		},
		{
			name:    "a decided slot is no longer waited for, and its decider may decide no other (one person counts once)",
			change:  func(r *v1.ApprovalRequest) { decidedSlot(r, "alice", v1.DecisionApprove, "alice") },
			summary: "1/3 approvals; waiting for bob, security", waiting: "bob (bob, ravi), security (group security-oncall)",
			open: map[string][]string{bob: {"bob"}, carol: {"security"}},
		},
		{
			name:    "a slot decided by another member of the group is closed to the group",
			change:  func(r *v1.ApprovalRequest) { decidedSlot(r, "security", v1.DecisionApprove, "dave") },
			summary: "1/3 approvals; waiting for alice, bob", waiting: "alice (alice), bob (bob, ravi)",
			open: map[string][]string{alice: {"alice"}, bob: {"bob"}, aliceOnCall: {"alice"}},
		},
		{
			name:    "the requester may decide when the policy allows self-approval",
			change:  func(r *v1.ApprovalRequest) { r.Spec.Policy = &v1.ApprovalPolicy{AllowSelfApproval: true} },
			summary: "0/3 approvals; waiting for alice, bob, security", waiting: "alice (alice), bob (bob, ravi), security (group security-oncall)",
			open: map[string][]string{alice: {"alice"}, bob: {"bob"}, ravi: {"bob"}, carol: {"security"}, aliceOnCall: {"alice", "security"}},
		},
		{
			name: "2-of-3: a rejection leaves the quorum reachable",
			change: func(r *v1.ApprovalRequest) {
				r.Spec.Policy = &v1.ApprovalPolicy{RequiredApprovals: new(int32(2))}
				decidedSlot(r, "security", v1.DecisionReject, "carol")
			},
			summary: "0/2 approvals; waiting for alice, bob", waiting: "alice (alice), bob (bob, ravi)",
			open: map[string][]string{alice: {"alice"}, bob: {"bob"}, aliceOnCall: {"alice"}},
		},
		{
			name: "2-of-3: the quorum reached, the request waits for its execution's outcome, not for the slot left",
			change: func(r *v1.ApprovalRequest) {
				r.Spec.Policy = &v1.ApprovalPolicy{RequiredApprovals: new(int32(2))}
				decidedSlot(r, "alice", v1.DecisionApprove, "alice")
				decidedSlot(r, "bob", v1.DecisionApprove, "bob")
			},
			summary: "2/2 approvals; waiting for its execution's outcome", waiting: "its execution's outcome",
			open: map[string][]string{carol: {"security"}},
		},
		{
			name:    "only the counted decisions count: an unverified approval leaves the quorum unreached, and its slot taken",
			change:  func(r *v1.ApprovalRequest) { decidedSlot(r, "alice", v1.DecisionApprove, "mallory") },
			counted: func(s *v1.ApproverStatus) bool { return s.DecidedBy != "mallory" },
			summary: "0/3 approvals; waiting for bob, security", waiting: "bob (bob, ravi), security (group security-oncall)",
			open: map[string][]string{bob: {"bob"}, carol: {"security"}, aliceOnCall: {"security"}},
		},
		{
			name:    "before the start, people may decide already; the request waits for them and for its execution",
			change:  func(r *v1.ApprovalRequest) { r.Status = v1.ApprovalRequestStatus{} },
			summary: "0/3 approvals; waiting for alice, bob, security, its execution to start",
			waiting: "alice (alice), bob (bob, ravi), security (group security-oncall), its execution to start",
			open:    map[string][]string{alice: {"alice"}, bob: {"bob"}, carol: {"security"}, aliceOnCall: {"alice", "security"}},
		},
		{
			name: "started, no task token yet",
			change: func(r *v1.ApprovalRequest) {
				for i := range r.Status.Approvers {
					r.Status.Approvers[i].TaskToken = ""
				}
			},
			summary: "0/3 approvals; waiting for alice, bob, security, its execution's task tokens",
			waiting: "alice (alice), bob (bob, ravi), security (group security-oncall), its execution's task tokens",
			open:    map[string][]string{alice: {"alice"}, bob: {"bob"}, carol: {"security"}, aliceOnCall: {"alice", "security"}},
		},
		{
			name: "a token that came before the start was recorded counts as the execution's",
			change: func(r *v1.ApprovalRequest) {
				r.Status.ExecutionARN = ""
				r.Status.Approvers = r.Status.Approvers[:1]
			},
			summary: "0/3 approvals; waiting for alice, bob, security", waiting: "alice (alice), bob (bob, ravi), security (group security-oncall)",
			open: map[string][]string{alice: {"alice"}, bob: {"bob"}, carol: {"security"}, aliceOnCall: {"alice", "security"}},
		},
		{
			name:    "under a GatePolicy, by the copy it captured",
			change:  captured,
			summary: "0/2 approvals; waiting for alice, bob", waiting: "alice (alice), bob (bob, ravi)",
			open: map[string][]string{alice: {"alice"}, bob: {"bob"}, aliceOnCall: {"alice"}},
		},
		{
			name: "under a GatePolicy not captured yet: no slots, nothing to decide, it waits for its policy",
			change: func(r *v1.ApprovalRequest) {
				r.Spec.PolicyRef, r.Spec.Approvers, r.Status = &v1.PolicyReference{Name: "deploy-prod"}, nil, v1.ApprovalRequestStatus{}
			},
			summary: "0/0 approvals; waiting for its GatePolicy deploy-prod", waiting: "its GatePolicy deploy-prod",
		},
		{
			name: "a copy of another policy counts for nothing",
			change: func(r *v1.ApprovalRequest) {
				captured(r)
				r.Status.Policy.Name = "sandbox"
			},
			summary: "0/0 approvals; waiting for its GatePolicy deploy-prod", waiting: "its GatePolicy deploy-prod",
		},
		{
			name: "ended: it waits for nothing and takes no decision",
			change: func(r *v1.ApprovalRequest) {
				r.Status.Phase = v1.PhaseRejected
				decidedSlot(r, "alice", v1.DecisionReject, "alice")
			},
			summary: "0/3 approvals",
		},
		{
			name:    "expired with nothing decided",
			change:  func(r *v1.ApprovalRequest) { r.Status.Phase = v1.PhaseExpired },
			summary: "0/3 approvals",
		},
		{
			name:    "being deleted: it waits for nothing and takes no decision",
			change:  func(r *v1.ApprovalRequest) { r.DeletionTimestamp = new(metav1.Now()) },
			summary: "0/3 approvals",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := readingRequest()
			if c.change != nil {
				c.change(req)
			}
			counted := c.counted
			if counted == nil {
				counted = Recorded
			}
			before := req.DeepCopy()
			r := Read(req, counted)
			if got := r.Summary(); got != c.summary {
				t.Errorf("Summary() = %q, want %q", got, c.summary)
			}
			if got := r.WaitingFor(0); got != c.waiting {
				t.Errorf("WaitingFor(0) = %q, want %q", got, c.waiting)
			}
			for label, p := range people {
				var got []string
				for _, s := range r.OpenTo(p.user, p.groups, "ravi") {
					got = append(got, s.Name)
				}
				if !slices.Equal(got, c.open[label]) {
					t.Errorf("OpenTo(%s) = %v, want %v", label, got, c.open[label])
				}
			}
			if !equalRequests(req, before) {
				t.Error("Read changed the request it read")
			}
		})
	}
}

func equalRequests(a, b *v1.ApprovalRequest) bool {
	return a.Status.Phase == b.Status.Phase && slices.EqualFunc(a.Status.Approvers, b.Status.Approvers, func(x, y v1.ApproverStatus) bool {
		return x.Name == y.Name && x.Decision == y.Decision && x.TaskToken == y.TaskToken
	})
}

// TestReadSlots: the slots come in the policy's order with their ledger entries, whatever the
// ledger's order, and say whether a decision on them can be delivered now.
func TestReadSlots(t *testing.T) {
	req := readingRequest()
	decidedSlot(req, "bob", v1.DecisionApprove, "ravi")
	Entry(req, "security").TaskToken = ""
	r := Read(req, Recorded)
	names := make([]string, 0, len(r.Slots))
	for _, s := range r.Slots {
		names = append(names, s.Name)
	}
	if !slices.Equal(names, []string{"alice", "bob", "security"}) {
		t.Fatalf("slots %v, want the policy's order", names)
	}
	if !r.Slots[0].Deliverable() || r.Slots[2].Deliverable() {
		t.Errorf("deliverable: alice %v (holds a token), security %v (holds none)", r.Slots[0].Deliverable(), r.Slots[2].Deliverable())
	}
	if s, ok := r.DecidedBy("ravi"); !ok || s.Name != "bob" || s.Status.Decision != v1.DecisionApprove {
		t.Errorf("DecidedBy(ravi) = %+v, %v", s, ok)
	}
	if _, ok := r.DecidedBy("alice"); ok {
		t.Error("alice decided nothing")
	}
	if s, ok := r.Slot("security"); !ok || s.Who() != "group security-oncall" {
		t.Errorf("Slot(security) = %+v, %v", s, ok)
	}
	if _, ok := r.Slot("nobody"); ok {
		t.Error("a slot the policy does not name")
	}
	if !r.Bars("ravi", "ravi") || r.Bars("alice", "ravi") || r.Bars("alice", "") {
		t.Error("only the requester is barred, and only a known one")
	}
}

// TestWaitingForIsBounded: the line fits the limit (runes, as the API server counts), keeps as
// many whole items as fit and counts the rest.
func TestWaitingForIsBounded(t *testing.T) {
	cases := []struct {
		name  string
		items []string
		limit int
		want  string
	}{
		{"fits", []string{"alice (alice)", "bob (bob)"}, 24, "alice (alice), bob (bob)"},
		{"no limit", []string{"alice (alice)", "bob (bob)"}, 0, "alice (alice), bob (bob)"},
		{"the last left out", []string{"alice (alice)", "bob (bob)", "carol (carol)"}, 35, "alice (alice), bob (bob) and 1 more"},
		{"two left out", []string{"alice (alice)", "bob (bob)", "carol (carol)"}, 30, "alice (alice) and 2 more"},
		{"not even the first fits", []string{strings.Repeat("é", 40), "bob (bob)"}, 20, strings.Repeat("é", 8) + "… and 1 more"},
		{"one item, too long", []string{strings.Repeat("x", 40)}, 10, "xxxxxxxxx…"},
		{"nothing", nil, 10, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := abridge(c.items, c.limit)
			if got != c.want {
				t.Errorf("abridge = %q, want %q", got, c.want)
			}
			if c.limit > 0 && utf8.RuneCountInString(got) > c.limit {
				t.Errorf("%q is %d characters, over %d", got, utf8.RuneCountInString(got), c.limit)
			}
		})
	}

	req := readingRequest()
	for i := range 40 {
		name := "slot-" + strings.Repeat("x", 40) + string(rune('a'+i%26)) + string(rune('a'+i/26))
		req.Spec.Approvers = append(req.Spec.Approvers, v1.Approver{Name: name, Users: []string{name + "@example.com"}})
	}
	line := Read(req, Recorded).WaitingFor(v1.MaxWaitingForLength)
	if n := utf8.RuneCountInString(line); n > v1.MaxWaitingForLength || !strings.HasPrefix(line, "alice (alice), bob (bob, ravi), security (group security-oncall), ") || !strings.HasSuffix(line, " more") {
		t.Errorf("43 slots read as %q (%d characters)", line, n)
	}
}
