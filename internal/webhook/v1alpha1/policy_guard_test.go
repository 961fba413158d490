package v1alpha1

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
	"github.com/tollgate-dev/tollgate/internal/identity"
)

// The policy checks of admission, as pure logic: what a request may bring at creation
// (policyChecks) and what the status guard lets the operator's identity write of the copy of a
// GatePolicy (captureErrors). The same attacks on a real API server are internal/controller's
// "Policies" specs.

// policyWorld is what the guards read: namespace team-a with labels, and GatePolicies; nothing
// else exists.
type policyWorld struct {
	noObjects
	labels   map[string]string
	policies []*v1.GatePolicy
}

func (w policyWorld) Get(_ context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	switch o := obj.(type) {
	case *corev1.Namespace:
		o.Name, o.Labels = key.Name, w.labels
		return nil
	case *v1.GatePolicy:
		for _, p := range w.policies {
			if p.Name == key.Name && p.Namespace == key.Namespace {
				p.DeepCopyInto(o)
				return nil
			}
		}
	}
	return apierrors.NewNotFound(v1.GroupVersion.WithResource("gatepolicies").GroupResource(), key.Name)
}

// holds is the cluster's authorizer for these tests: "user verb resource/name" entries it
// allows (name "*" for any).
type holds []string

func (h holds) Allowed(_ context.Context, u identity.User, verb string, on identity.Object) (bool, string, error) {
	for _, g := range h {
		if g == u.Username+" "+verb+" "+on.Resource+"/"+on.Name || g == u.Username+" "+verb+" "+on.Resource+"/*" {
			return true, "", nil
		}
	}
	return false, "", nil
}

// livePolicy is GatePolicy deploy-prod of team-a, at generation 2.
func livePolicy() *v1.GatePolicy {
	return &v1.GatePolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "deploy-prod", UID: "p-1", Generation: 2},
		Spec:       v1.GatePolicySpec{Approvers: []v1.Approver{{Name: "alice", Users: []string{"alice"}}, {Name: "bob", Users: []string{"bob"}}}},
	}
}

// policyGuards are the request and status guards reading world, asking grants.
func policyGuards(t testing.TB, world policyWorld, grants holds, mode approval.Enforcement) (*RequestGuard, *StatusAdmission) {
	t.Helper()
	h, _ := testAdmission(t)
	o := h.Options
	o.Checker = &identity.Checker{Records: h.Checker.Records, Reviewer: grants}
	o.Reader, o.Enforcement = world, mode
	scheme := runtime.NewScheme()
	if err := v1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	return &RequestGuard{Options: o, decoder: admission.NewDecoder(scheme)}, &StatusAdmission{Options: o, decoder: admission.NewDecoder(scheme)}
}

// createdBy is a request of team-a with spec, carrying the record of user creating it.
func createdBy(t *testing.T, user string, spec v1.ApprovalRequestSpec) []byte {
	t.Helper()
	obj := &v1.ApprovalRequest{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "deploy"}, Spec: spec}
	rec, err := identity.NewRequester(obj, identity.User{Username: user}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	text, err := identity.WriteRequester(rec)
	if err != nil {
		t.Fatal(err)
	}
	obj.Annotations = map[string]string{v1.RequesterAnnotation: text}
	raw, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestPolicyChecksAtCreation(t *testing.T) {
	inline := v1.ApprovalRequestSpec{Description: "d", Approvers: []v1.Approver{{Name: "alice", Users: []string{"mallory"}}}}
	under := func(policy string) v1.ApprovalRequestSpec {
		return v1.ApprovalRequestSpec{Description: "d", PolicyRef: &v1.PolicyReference{Name: policy}}
	}
	selfApproving, ownMachine := inline, inline
	selfApproving.Policy = &v1.ApprovalPolicy{AllowSelfApproval: true}
	ownMachine.StateMachineARN = "arn:aws:states:us-east-1:123456789012:stateMachine:own"
	required := map[string]string{v1.RequirePolicyLabel: "true"}
	cases := []struct {
		name        string
		mode        approval.Enforcement
		labels      map[string]string
		grants      holds
		spec        v1.ApprovalRequestSpec
		want        string // "" admitted
		wantReason  string
		wantWarning bool
	}{
		{name: "under a policy ravi may use", spec: under("deploy-prod"), grants: holds{"ravi use gatepolicies/deploy-prod"}},
		{name: "under a policy ravi may not use", spec: under("sandbox"), grants: holds{"ravi use gatepolicies/deploy-prod"},
			want: `ravi may not use GatePolicy sandbox in namespace team-a: RBAC grants no verb "use" on gatepolicies.approvals.tollgate.dev`, wantReason: v1.ReasonNoUseVerb},
		{name: "under a policy that does not exist yet, with use on it", spec: under("later"), grants: holds{"ravi use gatepolicies/later"}},
		{name: "under a policy, in a namespace that requires policies", spec: under("deploy-prod"), labels: required, grants: holds{"ravi use gatepolicies/*"}},
		{name: "inline where policies are not required", spec: inline, wantWarning: true},
		{name: "inline in a namespace labelled to require policies", spec: inline, labels: required,
			want: "namespace team-a requires a GatePolicy (its label tollgate.dev/require-policy=true)", wantReason: v1.ReasonPolicyRequired},
		{name: "inline where the installation requires policies everywhere", mode: approval.EnforceEverywhere, spec: inline,
			want: "namespace team-a requires a GatePolicy (the installation requires policies", wantReason: v1.ReasonPolicyRequired},
		{name: "inline in a namespace labelled out of everywhere", mode: approval.EnforceEverywhere, labels: map[string]string{v1.RequirePolicyLabel: "false"}, spec: inline, wantWarning: true},
		{name: "inline with a label value nobody meant", labels: map[string]string{v1.RequirePolicyLabel: "no"}, spec: inline, want: "neither true nor false", wantReason: v1.ReasonPolicyRequired},
		{name: "inline self-approval without the verb", spec: selfApproving,
			want: `ravi may not create a request its requester may decide (spec.policy.allowSelfApproval: true): RBAC grants no verb "self-approve"`, wantReason: v1.ReasonNoSelfApproveVerb},
		{name: "inline self-approval with the verb", spec: selfApproving, grants: holds{"ravi self-approve approvalrequests/deploy"}, wantWarning: true},
		{name: "an inline state machine without the verb", spec: ownMachine, want: `RBAC grants no verb "choose-state-machine"`, wantReason: v1.ReasonNoStateMachineVerb},
		{name: "an inline state machine with the verb", spec: ownMachine, grants: holds{"ravi choose-state-machine approvalrequests/deploy"}, wantWarning: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			guard, _ := policyGuards(t, policyWorld{labels: c.labels}, c.grants, c.mode)
			resp := guard.Handle(context.Background(), review(admissionv1.Create, "ravi", createdBy(t, "ravi", c.spec), nil))
			got := answer(resp)
			switch {
			case c.want == "" && got != "":
				t.Fatalf("refused: %s", got)
			case c.want != "" && !strings.Contains(got, c.want):
				t.Fatalf("answer %q, want a refusal saying %q", got, c.want)
			case c.wantReason != "" && resp.Result.Details.Causes[0].Type != metav1.CauseType(c.wantReason):
				t.Fatalf("refused for %s, want reason %s", resp.Result.Details.Causes[0].Type, c.wantReason)
			case c.wantWarning != (len(resp.Warnings) > 0):
				t.Fatalf("warnings %q, want some: %v", resp.Warnings, c.wantWarning)
			}
		})
	}
}

func TestCaptureGuard(t *testing.T) {
	live := livePolicy()
	faithful, err := approval.Capture(live, metav1.Now())
	if err != nil {
		t.Fatal(err)
	}
	forged := faithful.DeepCopy()
	forged.Spec.Approvers[0].Users = []string{"mallory"}
	forged.Digest, _ = approval.Digest(&forged.Spec)
	stale := faithful.DeepCopy()
	stale.Generation = 1
	request := func(ref string, mutate ...func(*v1.ApprovalRequestStatus)) []byte {
		obj := &v1.ApprovalRequest{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "deploy", UID: "uid-1"},
			Spec: v1.ApprovalRequestSpec{Description: "d", PolicyRef: &v1.PolicyReference{Name: ref}}}
		if ref == "" {
			obj.Spec = v1.ApprovalRequestSpec{Description: "d", Approvers: []v1.Approver{{Name: "alice", Users: []string{"alice"}}}}
		}
		for _, m := range mutate {
			m(&obj.Status)
		}
		raw, _ := json.Marshal(obj)
		return raw
	}
	copyOf := func(c *v1.CapturedPolicy) func(*v1.ApprovalRequestStatus) {
		return func(s *v1.ApprovalRequestStatus) { s.Policy = c }
	}
	started := func(s *v1.ApprovalRequestStatus) {
		s.ExecutionARN, s.Phase = "arn:aws:states:us-east-1:123456789012:execution:m:e", v1.PhasePending
	}
	const operator = "system:serviceaccount:tollgate-system:tollgate-controller-manager"
	cases := []struct {
		name     string
		old, obj []byte
		want     string
	}{
		{"the faithful copy, before the start", request("deploy-prod"), request("deploy-prod", copyOf(faithful)), ""},
		{"the start, with its copy", request("deploy-prod", copyOf(faithful)), request("deploy-prod", copyOf(faithful), started), ""},
		{"a copy with slots of someone's choosing", request("deploy-prod"), request("deploy-prod", copyOf(forged)), "not a faithful copy of GatePolicy deploy-prod"},
		{"a copy of an older generation", request("deploy-prod"), request("deploy-prod", copyOf(stale)), "holds generation 1"},
		{"a copy changed once written", request("deploy-prod", copyOf(faithful)), request("deploy-prod", copyOf(forged)), "is final: it is never changed or removed"},
		{"a copy removed", request("deploy-prod", copyOf(faithful), started), request("deploy-prod", started), "is final"},
		{"a copy on a request that names its own approvers", request(""), request("", copyOf(faithful)), "it runs under no GatePolicy"},
		{"a copy of another policy than the request's", request("sandbox"), request("sandbox", copyOf(faithful)), "references GatePolicy sandbox, not deploy-prod"},
		{"a copy of a policy that does not exist", request("deploy-prod"), request("deploy-prod", copyOf(faithful)), "does not exist in namespace team-a"},
		{"a copy after the start", request("deploy-prod", started), request("deploy-prod", started, copyOf(faithful)), "a copy is taken before the execution starts"},
		{"a start without a copy", request("deploy-prod"), request("deploy-prod", started), "starts only once it holds its copy"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			world := policyWorld{policies: []*v1.GatePolicy{live}}
			if strings.Contains(c.name, "does not exist") {
				world.policies = nil
			}
			_, status := policyGuards(t, world, nil, "")
			req := review(admissionv1.Update, operator, c.obj, c.old)
			req.Resource.Resource, req.SubResource = resourceRequests, "status"
			got := answer(status.Handle(context.Background(), req))
			if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
				t.Fatalf("answer %q, want %q", got, c.want)
			}
		})
	}
}

// FuzzCaptureGuard: whatever the operator's identity writes as the copy of a policy (and
// whatever the stored request held), the status guard answers without a panic, never lets a
// written copy change, and admits a new copy only when it is the live policy's, faithfully.
func FuzzCaptureGuard(f *testing.F) {
	live := livePolicy()
	faithful, err := approval.Capture(live, metav1.Now())
	if err != nil {
		f.Fatal(err)
	}
	good, _ := json.Marshal(faithful)
	f.Add(`null`, string(good))
	f.Add(string(good), `{"name":"deploy-prod","uid":"p-1","generation":2,"digest":"x","spec":{"approvers":[{"name":"alice","users":["mallory"]}]}}`)
	f.Add(`{"name":5}`, `[]`)
	_, status := policyGuards(f, policyWorld{policies: []*v1.GatePolicy{live}}, nil, "")
	f.Fuzz(func(t *testing.T, oldCopy, newCopy string) {
		wrap := func(c string) []byte {
			return []byte(`{"metadata":{"name":"deploy","namespace":"team-a","uid":"uid-1"},"spec":{"description":"d","policyRef":{"name":"deploy-prod"}},"status":{"policy":` + c + `}}`)
		}
		req := review(admissionv1.Update, status.Operator, wrap(newCopy), wrap(oldCopy))
		req.Resource.Resource, req.SubResource = resourceRequests, "status"
		resp := status.Handle(context.Background(), req)
		if !resp.Allowed {
			return
		}
		var was, is *v1.CapturedPolicy
		if json.Unmarshal([]byte(oldCopy), &was) != nil || json.Unmarshal([]byte(newCopy), &is) != nil {
			t.Fatalf("admitted a copy it could not have read: %s -> %s", oldCopy, newCopy)
		}
		switch {
		case was != nil && (is == nil || !equalJSON(was, is)):
			t.Fatalf("a written copy changed: %s -> %s", oldCopy, newCopy)
		case was == nil && is != nil && approval.CheckCapture(is, live) != nil:
			t.Fatalf("admitted a copy that is not the policy's: %s", newCopy)
		}
	})
}

// equalJSON reports whether a and b encode alike.
func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
