package approval

import (
	"errors"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// gatePolicy is GatePolicy "deploy-prod" (uid p-1, generation 3): slots alice and bob, one
// approval of two.
func gatePolicy() *v1.GatePolicy {
	return &v1.GatePolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "deploy-prod", UID: types.UID("p-1"), Generation: 3},
		Spec: v1.GatePolicySpec{
			Approvers: []v1.Approver{{Name: "alice", Users: []string{"alice"}}, {Name: "bob", Groups: []string{"sre"}}},
			Policy:    &v1.ApprovalPolicy{RequiredApprovals: new(int32(1))},
		},
	}
}

// underPolicy is a request that references policy; captured, when set, is its status.policy.
func underPolicy(policy string, captured *v1.CapturedPolicy) *v1.ApprovalRequest {
	return &v1.ApprovalRequest{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "deploy", UID: "uid-1"},
		Spec:       v1.ApprovalRequestSpec{Description: "d", PolicyRef: &v1.PolicyReference{Name: policy}},
		Status:     v1.ApprovalRequestStatus{Policy: captured},
	}
}

func mustCapture(t *testing.T, p *v1.GatePolicy) *v1.CapturedPolicy {
	t.Helper()
	c, err := Capture(p, metav1.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPolicyOfReadsTheCopyOrTheInlineSpec(t *testing.T) {
	captured := mustCapture(t, gatePolicy())
	inline := &v1.ApprovalRequest{Spec: v1.ApprovalRequestSpec{
		Approvers: []v1.Approver{{Name: "carol", Users: []string{"carol"}}}, Policy: &v1.ApprovalPolicy{AllowSelfApproval: true},
		StateMachineARN: "arn:aws:states:us-east-1:123456789012:stateMachine:own",
	}}
	forgedOnInline := inline.DeepCopy()
	forgedOnInline.Status.Policy = captured
	cases := []struct {
		name       string
		req        *v1.ApprovalRequest
		slots      []string
		required   int
		self       bool
		machine    string
		uncaptured bool
	}{
		{name: "inline: the request's own spec", req: inline, slots: []string{"carol"}, required: 1, self: true, machine: "arn:aws:states:us-east-1:123456789012:stateMachine:own"},
		{name: "inline: a copy in status counts for nothing", req: forgedOnInline, slots: []string{"carol"}, required: 1, self: true, machine: "arn:aws:states:us-east-1:123456789012:stateMachine:own"},
		{name: "under a policy, captured: the copy", req: underPolicy("deploy-prod", captured), slots: []string{"alice", "bob"}, required: 1},
		{name: "under a policy, not captured: nothing", req: underPolicy("deploy-prod", nil), uncaptured: true},
		{name: "under a policy, a copy of another policy: nothing", req: underPolicy("sandbox", captured), uncaptured: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := PolicyOf(c.req)
			if (p == nil) != c.uncaptured {
				t.Fatalf("PolicyOf = %+v, want nil: %v", p, c.uncaptured)
			}
			var names []string
			for _, a := range Slots(p) {
				names = append(names, a.Name)
			}
			if strings.Join(names, ",") != strings.Join(c.slots, ",") {
				t.Errorf("slots %v, want %v", names, c.slots)
			}
			if got := RequiredApprovals(p); got != c.required {
				t.Errorf("required %d, want %d", got, c.required)
			}
			if AllowsSelfApproval(p) != c.self || StateMachineOf(p) != c.machine {
				t.Errorf("self-approval %v, machine %q; want %v, %q", AllowsSelfApproval(p), StateMachineOf(p), c.self, c.machine)
			}
			if tally := TallyOf(c.req, func(*v1.ApproverStatus) bool { return true }); c.uncaptured && tally.Verdict() != VerdictOpen {
				t.Errorf("a request without its policy tallies %s", tally.Verdict())
			}
		})
	}
}

func TestRequiredApprovalsDefaultsToEveryApprover(t *testing.T) {
	p := &v1.GatePolicySpec{Approvers: make([]v1.Approver, 4)}
	if got := RequiredApprovals(p); got != 4 {
		t.Fatalf("default = %d, want 4", got)
	}
	p.Policy = &v1.ApprovalPolicy{RequiredApprovals: new(int32(2))}
	if got := RequiredApprovals(p); got != 2 {
		t.Fatalf("policy = %d, want 2", got)
	}
}

func TestCheckCaptureWantsTheFaithfulCopyOfThePolicyAsItStands(t *testing.T) {
	live := gatePolicy()
	cases := []struct {
		name   string
		change func(c *v1.CapturedPolicy, live *v1.GatePolicy)
		want   string
	}{
		{name: "a faithful copy"},
		{name: "a spec changed in the copy", change: func(c *v1.CapturedPolicy, _ *v1.GatePolicy) { c.Spec.Approvers[0].Users = []string{"mallory"} }, want: "not the digest of the spec it holds"},
		{name: "a spec and digest made up together", change: func(c *v1.CapturedPolicy, _ *v1.GatePolicy) {
			c.Spec.Approvers[0].Users = []string{"mallory"}
			c.Digest, _ = Digest(&c.Spec)
		}, want: "GatePolicy deploy-prod is at generation 3"},
		{name: "the policy was edited since", change: func(_ *v1.CapturedPolicy, l *v1.GatePolicy) {
			l.Generation++
			l.Spec.Policy = nil
		}, want: "holds generation 3"},
		{name: "the policy was deleted and created again", change: func(_ *v1.CapturedPolicy, l *v1.GatePolicy) { l.UID = "p-2" }, want: "not of deploy-prod (uid p-2)"},
		{name: "a copy of another policy", change: func(c *v1.CapturedPolicy, _ *v1.GatePolicy) { c.Name = "sandbox" }, want: "it is of GatePolicy sandbox"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			copied, now := mustCapture(t, live), live.DeepCopy()
			if c.change != nil {
				c.change(copied, now)
			}
			err := CheckCapture(copied, now)
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("refused a faithful copy: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("CheckCapture = %v, want an error saying %q", err, c.want)
			}
		})
	}
}

func TestDigestIsCanonical(t *testing.T) {
	a, err := Digest(map[string]any{"b": 1, "a": []any{"x"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Digest(map[string]any{"a": []any{"x"}, "b": 1.0})
	c, _ := Digest(map[string]any{"a": []any{"y"}, "b": 1})
	if a != b || a == c || len(a) != 64 {
		t.Fatalf("digests %s, %s, %s: want the first two equal, the third different, 64 hex characters", a, b, c)
	}
}

func TestTheExecutionInputNamesTheCapturedPolicy(t *testing.T) {
	captured := mustCapture(t, gatePolicy())
	raw, err := BuildExecutionInput(underPolicy("deploy-prod", captured), "c", 300)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"policy":{"name":"deploy-prod","generation":3,"digest":"` + captured.Digest + `"}`, `"requiredApprovals":1`, `"approverCount":2`, `{"name":"alice"},{"name":"bob"}`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("the input %s lacks %s", raw, want)
		}
	}
	if _, err := BuildExecutionInput(underPolicy("deploy-prod", nil), "c", 300); !errors.Is(err, ErrPolicyNotCaptured) {
		t.Errorf("a request without its policy built an input (%v)", err)
	}
}

func TestRequiresPolicy(t *testing.T) {
	cases := []struct {
		mode   Enforcement
		labels map[string]string
		want   bool
	}{
		{EnforceEverywhere, nil, true},
		{EnforceEverywhere, map[string]string{v1.RequirePolicyLabel: "false"}, false},
		{EnforceEverywhere, map[string]string{v1.RequirePolicyLabel: "true"}, true},
		{EnforceLabelled, nil, false},
		{EnforceLabelled, map[string]string{"other": "true"}, false},
		{EnforceLabelled, map[string]string{v1.RequirePolicyLabel: "true"}, true},
		{EnforceLabelled, map[string]string{v1.RequirePolicyLabel: "false"}, false},
		{EnforceLabelled, map[string]string{v1.RequirePolicyLabel: "False"}, true},
		{EnforceLabelled, map[string]string{v1.RequirePolicyLabel: ""}, true},
		{"", nil, false},
	}
	for _, c := range cases {
		got, why := c.mode.RequiresPolicy(c.labels)
		if got != c.want || why == "" {
			t.Errorf("%q with %v: %v (%s), want %v", c.mode, c.labels, got, why, c.want)
		}
	}
	for _, s := range []string{"everywhere", "labelled"} {
		if _, err := ParseEnforcement(s); err != nil {
			t.Errorf("ParseEnforcement(%q): %v", s, err)
		}
	}
	if _, err := ParseEnforcement("labeled"); err == nil {
		t.Error("ParseEnforcement took a value it does not know")
	}
}

// FuzzRequiresPolicy: whatever an administrator writes in the label, a namespace requires
// policies unless the label says exactly "false" or, without a label, the installation does
// not; the answer always says why.
func FuzzRequiresPolicy(f *testing.F) {
	f.Add("everywhere", "true", true)
	f.Add("labelled", "false", true)
	f.Add("labelled", "", false)
	f.Add("", "FALSE", true)
	f.Fuzz(func(t *testing.T, mode, value string, labelled bool) {
		labels := map[string]string{}
		if labelled {
			labels[v1.RequirePolicyLabel] = value
		}
		got, why := Enforcement(mode).RequiresPolicy(labels)
		want := Enforcement(mode) == EnforceEverywhere
		if labelled {
			want = value != "false"
		}
		if got != want || why == "" {
			t.Fatalf("mode %q, label %v: %v (%q), want %v", mode, labels, got, why, want)
		}
	})
}

// A request's notifications take its policy's route (the copy it captured) before its own, and
// its own only where the policy picks none.
func TestRouteOfPrefersThePolicysPick(t *testing.T) {
	picking := gatePolicy()
	picking.Spec.Notification = &v1.NotificationPick{Route: "security"}
	withOwn := func(r *v1.ApprovalRequest) *v1.ApprovalRequest {
		r.Spec.Notification = &v1.NotificationPick{Route: "mine"}
		return r
	}
	inline := &v1.ApprovalRequest{Spec: v1.ApprovalRequestSpec{Approvers: []v1.Approver{{Name: "alice"}}}}
	cases := []struct {
		name string
		req  *v1.ApprovalRequest
		want string
	}{
		{"inline, no pick: the default route", inline.DeepCopy(), ""},
		{"inline, its own pick", withOwn(inline.DeepCopy()), "mine"},
		{"under a policy that picks: the policy's, over the request's", withOwn(underPolicy("deploy-prod", mustCapture(t, picking))), "security"},
		{"under a policy that picks none: the request's", withOwn(underPolicy("deploy-prod", mustCapture(t, gatePolicy()))), "mine"},
		{"under a policy not captured yet: the request's", withOwn(underPolicy("deploy-prod", nil)), "mine"},
		{"a copy of another policy counts for nothing", underPolicy("sandbox", mustCapture(t, picking)), ""},
	}
	for _, c := range cases {
		if got := RouteOf(c.req); got != c.want {
			t.Errorf("%s: RouteOf = %q, want %q", c.name, got, c.want)
		}
	}
}
