package plugin_test

import (
	"context"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/plugin"
)

// background runs a command while the test goes on; its result arrives on the channel.
func background(t *testing.T, ctx context.Context, clk *clocktesting.FakeClock, args ...string) <-chan result {
	t.Helper()
	done := make(chan result, 1)
	go func() { done <- runWith(t, ctx, clk, args...) }()
	return done
}

// outcome receives a background command's result within 45s.
func outcome(t *testing.T, done <-chan result) result {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(45 * time.Second):
		t.Fatal("the command did not end within 45s")
		return result{}
	}
}

func TestWaitExitsZeroOnApproval(t *testing.T) {
	ns := newNamespace(t)
	createRequest(t, ns, "deploy", byUser("alice", alice), byUser("bob", bob))
	waiting := background(t, t.Context(), clocktesting.NewFakeClock(time.Now()), cmd(ns, as(ravi), "wait", "deploy")...)
	expect(t, run(t, cmd(ns, as(alice), "approve", "deploy")...), plugin.ExitApproved)
	expect(t, run(t, cmd(ns, as(bob), "approve", "deploy", "-m", "ship it")...), plugin.ExitApproved)

	r := outcome(t, waiting)
	expect(t, r, plugin.ExitApproved, "approvalrequest.approvals.tollgate.dev/deploy Approved: 2/2 approvals (")

	// A request that ended takes no more decisions, and waiting on it answers at once.
	expect(t, run(t, cmd(ns, as(carol, securityGroup), "approve", "deploy", "--slot", "bob")...), plugin.ExitError,
		"ApprovalRequest "+ns+"/deploy is already Approved: it takes no more decisions")
	expect(t, run(t, cmd(ns, as(mallory), "wait", "deploy")...), plugin.ExitApproved, "Approved")
}

func TestWaitExitsWithTheRejectedCode(t *testing.T) {
	ns := newNamespace(t)
	req := createRequest(t, ns, "deploy", byUser("alice", alice), byUser("bob", bob))
	waiting := background(t, t.Context(), clocktesting.NewFakeClock(time.Now()), cmd(ns, as(ravi), "wait", "deploy", "--timeout", "1h")...)
	expect(t, run(t, cmd(ns, as(bob), "reject", "deploy", "-m", "not during the freeze")...), plugin.ExitApproved,
		"slot bob of ApprovalRequest "+ns+"/deploy rejected by bob@example.com")

	r := outcome(t, waiting)
	expect(t, r, plugin.ExitRejected, "approvalrequest.approvals.tollgate.dev/deploy Rejected")
	if r.stderr != "" {
		t.Errorf("an outcome is no error; stderr = %q", r.stderr)
	}
	got := eventually(t, req, "rejected", func(r *v1.ApprovalRequest) bool { return r.Status.Phase == v1.PhaseRejected })
	if s := slotStatus(got, "bob"); s.Comment != "not during the freeze" || s.DecidedBy != bob {
		t.Errorf("bob's slot = %+v", s)
	}
}

func TestWaitTimesOutOnItsClock(t *testing.T) {
	ns := newNamespace(t)
	createRequest(t, ns, "deploy", byUser("alice", alice))
	clk := clocktesting.NewFakeClock(time.Now())
	waiting := background(t, t.Context(), clk, cmd(ns, as(ravi), "wait", "deploy", "--timeout", "10m")...)

	// The timer starts once the request was read and the watch begins; then 10 minutes pass.
	untilWatching(t, clk, waiting)
	clk.Step(10 * time.Minute)
	r := outcome(t, waiting)
	expect(t, r, plugin.ExitTimedOut, "timed out after 10m0s waiting for ApprovalRequest "+ns+"/deploy: it is still Pending, waiting for alice (alice@example.com)")
}

// untilWatching returns once a background wait started its timeout: it read the request and
// watches it.
func untilWatching(t *testing.T, clk *clocktesting.FakeClock, waiting <-chan result) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !clk.HasWaiters() {
		if time.Now().After(deadline) {
			t.Fatal("wait never started its timeout")
		}
		select {
		case r := <-waiting:
			t.Fatalf("wait ended before its timeout: %+v", r)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func TestWaitEndsWithAnErrorWhenTheRequestGoesOrWaitIsInterrupted(t *testing.T) {
	ns := newNamespace(t)
	req := createRequest(t, ns, "deploy", byUser("alice", alice))
	clk := clocktesting.NewFakeClock(time.Now())
	ctx, interrupt := context.WithCancel(t.Context())
	waiting := background(t, ctx, clk, cmd(ns, as(ravi), "wait", "deploy", "--timeout", "1h")...)
	untilWatching(t, clk, waiting)
	interrupt()
	expect(t, outcome(t, waiting), plugin.ExitError, "stopped waiting for ApprovalRequest "+ns+"/deploy: context canceled")

	clk = clocktesting.NewFakeClock(time.Now())
	waiting = background(t, t.Context(), clk, cmd(ns, as(ravi), "wait", "deploy", "--timeout", "1h")...)
	untilWatching(t, clk, waiting)
	requester, err := client.New(environment(t).ControlPlane.As(ravi), client.Options{Scheme: environment(t).ControlPlane.Scheme})
	must(t, err)
	must(t, requester.Delete(t.Context(), req))
	expect(t, outcome(t, waiting), plugin.ExitError, "waiting for ApprovalRequest "+ns+"/deploy: it was deleted before it had an outcome")
}

func TestWaitErrors(t *testing.T) {
	ns := newNamespace(t)
	expect(t, run(t, cmd(ns, as(alice), "wait", "nope")...), plugin.ExitError, `approvalrequests.approvals.tollgate.dev "nope" not found`)
	expect(t, run(t, cmd(ns, as(alice), "wait", "nope", "--timeout", "-1s")...), plugin.ExitError, "--timeout -1s is negative")
	// Without RBAC in the namespace, the API server's refusal is the answer (not a wait).
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	expect(t, runWith(t, ctx, clocktesting.NewFakeClock(time.Now()), cmd(ns, as("stranger@example.com"), "wait", "deploy")...), plugin.ExitError, "forbidden")
}

// ravi deletes his gated request and creates it again under the same name with mallory in
// alice's slot; mallory approves it. A wait that started on the first request never reports
// that approval: it follows the request it started on, by its UID.
func TestWaitNeverReportsTheOutcomeOfAReplacement(t *testing.T) {
	ns := newNamespace(t)
	first := createRequest(t, ns, "deploy", byUser("alice", alice))
	eventually(t, first, "a token for alice", func(r *v1.ApprovalRequest) bool { return slotStatus(r, "alice").TaskToken != "" })
	clk := clocktesting.NewFakeClock(time.Now())
	waiting := background(t, t.Context(), clk, cmd(ns, as(ravi), "wait", "deploy", "--timeout", "1h")...)
	untilWatching(t, clk, waiting)

	requester, err := client.New(environment(t).ControlPlane.As(ravi), client.Options{Scheme: environment(t).ControlPlane.Scheme})
	must(t, err)
	must(t, requester.Delete(t.Context(), first))
	// The first goes once the operator stopped its execution (its finalizer).
	second := &v1.ApprovalRequest{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "deploy"},
		Spec:       v1.ApprovalRequestSpec{Description: "Deploy deploy to production", Approvers: []v1.Approver{byUser("alice", mallory)}},
	}
	deadline := time.Now().Add(30 * time.Second)
	for err := requester.Create(t.Context(), second); err != nil; err = requester.Create(t.Context(), second) {
		if !apierrors.IsAlreadyExists(err) || time.Now().After(deadline) {
			t.Fatalf("creating the replacement: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	eventually(t, second, "a token for mallory's slot", func(r *v1.ApprovalRequest) bool { return slotStatus(r, "alice").TaskToken != "" })
	expect(t, run(t, cmd(ns, as(mallory), "approve", "deploy")...), plugin.ExitApproved)
	eventually(t, second, "the replacement approved", func(r *v1.ApprovalRequest) bool { return r.Status.Phase == v1.PhaseApproved })

	r := outcome(t, waiting)
	if r.code == plugin.ExitApproved {
		t.Fatalf("wait reported the replacement's approval: %+v", r)
	}
	expect(t, r, plugin.ExitError, "waiting for ApprovalRequest "+ns+"/deploy: it was")
}
