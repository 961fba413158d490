package plugin_test

import (
	"testing"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/plugin"
)

func TestApprovePicksMySlot(t *testing.T) {
	ns := newNamespace(t)
	req := createRequest(t, ns, "deploy", byUser("alice", alice), byUser("bob", bob))

	r := run(t, cmd(ns, as(alice), "approve", "deploy", "-m", "lgtm")...)
	expect(t, r, plugin.ExitApproved, "slot alice of ApprovalRequest "+ns+"/deploy approved by alice@example.com")
	ds := decisionsOf(t, req)
	if len(ds) != 1 {
		t.Fatalf("%d ApproverDecisions, want 1", len(ds))
	}
	d := ds[0]
	if d.Spec.Approver != "alice" || d.Spec.Decision != v1.DecisionApprove || d.Spec.Comment != "lgtm" {
		t.Errorf("decision spec = %+v, want alice's approval with her comment", d.Spec)
	}
	if d.Annotations[v1.RecordAnnotation] == "" || len(d.OwnerReferences) != 1 || d.OwnerReferences[0].UID != req.UID {
		t.Errorf("the webhook did not bind the decision to the request: annotations %v, owners %+v", d.Annotations, d.OwnerReferences)
	}

	// Twice: refused by the plugin, whether or not the operator recorded the first one yet.
	r = run(t, cmd(ns, as(alice), "approve", "deploy")...)
	expect(t, r, plugin.ExitError, "you (alice@example.com) already decided slot alice of ApprovalRequest "+ns+"/deploy", "one person counts once")

	got := eventually(t, req, "alice's decision recorded", func(r *v1.ApprovalRequest) bool { return slotStatus(r, "alice").DecidedBy == alice })
	if c := slotStatus(got, "alice").Comment; c != "lgtm" {
		t.Errorf("recorded comment = %q", c)
	}
	r = run(t, cmd(ns, as(alice), "reject", "deploy", "--slot", "alice")...)
	expect(t, r, plugin.ExitError, "slot alice of ApprovalRequest "+ns+"/deploy is already decided: Approve by alice@example.com", "a decision is final")
	// Another slot, named with --slot: the webhook refuses her (one person counts once).
	r = run(t, cmd(ns, as(alice), "approve", "deploy", "--slot", "bob")...)
	expect(t, r, plugin.ExitError, "tollgate refused to approve slot bob of ApprovalRequest "+ns+"/deploy")
	if n := len(decisionsOf(t, req)); n != 1 {
		t.Errorf("%d ApproverDecisions after the refused attempts, want still 1", n)
	}
}

func TestImpostorIsRefusedWithTheWebhooksMessage(t *testing.T) {
	ns := newNamespace(t)
	req := createRequest(t, ns, "deploy", byUser("alice", alice), byUser("bob", bob))

	r := run(t, cmd(ns, as(mallory), "approve", "deploy", "--slot", "alice")...)
	expect(t, r, plugin.ExitError,
		"tollgate refused to approve slot alice of ApprovalRequest "+ns+"/deploy",
		// The webhook says it briefly (it cannot tell who asks); the plugin, which read the
		// request as mallory, says whom the slot names.
		"mallory@example.com may not decide slot alice of ApprovalRequest deploy: not among the users and groups it names (slot alice is for users [alice@example.com] and groups [none])")
	expectNoDecision(t, req)

	r = run(t, cmd(ns, as(mallory), "reject", "deploy")...)
	expect(t, r, plugin.ExitError, "you (mallory@example.com in groups system:authenticated) are not an approver of ApprovalRequest "+ns+"/deploy",
		"alice (alice@example.com); bob (bob@example.com)")
	expectNoDecision(t, req)

	// The requester holds no verb to decide (tollgate-requester): RBAC refuses before the webhook.
	r = run(t, cmd(ns, as(ravi), "approve", "deploy", "--slot", "alice")...)
	expect(t, r, plugin.ExitError, "the API server refused to approve slot alice", `User "ravi@example.com" cannot create resource "approverdecisions"`)
	expectNoDecision(t, req)

	expect(t, run(t, cmd(ns, as(alice), "approve", "nope")...), plugin.ExitError, `approvalrequests.approvals.tollgate.dev "nope" not found`)
}

func TestSlotAmbiguity(t *testing.T) {
	ns := newNamespace(t)
	req := createRequest(t, ns, "deploy", byUser("alice", alice), bySecurityGroup("security"))
	aliceOnCall := as(alice, securityGroup)

	r := run(t, cmd(ns, aliceOnCall, "approve", "deploy")...)
	expect(t, r, plugin.ExitError, "may decide 2 slots of ApprovalRequest "+ns+"/deploy: alice, security; choose one with --slot")
	expectNoDecision(t, req)

	expect(t, run(t, cmd(ns, aliceOnCall, "approve", "deploy", "--slot", "Security")...), plugin.ExitError, `--slot "Security" is not a slot name`)
	expect(t, run(t, cmd(ns, aliceOnCall, "approve", "deploy", "--slot", "ops")...), plugin.ExitError, `has no slot "ops" (its slots: alice, security)`)
	expectNoDecision(t, req)

	r = run(t, cmd(ns, aliceOnCall, "approve", "deploy", "--slot", "security")...)
	expect(t, r, plugin.ExitApproved, "slot security of ApprovalRequest "+ns+"/deploy approved by alice@example.com")
	if ds := decisionsOf(t, req); len(ds) != 1 || ds[0].Spec.Approver != "security" {
		t.Errorf("decisions = %+v, want one for slot security", ds)
	}
}
