package plugin_test

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/devenv"
	"github.com/tollgate-dev/tollgate/internal/plugin"
)

// describe shows the policy a request runs under — the copy it took when it started, with its
// generation and digest — and who may decide each slot by that copy: an edit of the policy
// afterwards changes nothing it shows. A request that waits for its policy says so.
func TestDescribeShowsTheCapturedPolicy(t *testing.T) {
	ns := newNamespace(t)
	ctx, cp := t.Context(), environment(t).ControlPlane
	must(t, cp.Grant(ctx, devenv.RolePolicyUser, ns, devenv.Users(ravi)...))
	policy := &v1.GatePolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "deploy-prod"},
		Spec:       v1.GatePolicySpec{Approvers: []v1.Approver{byUser("alice", alice), bySecurityGroup("on-call")}},
	}
	must(t, cp.Client.Create(ctx, policy))
	req := createUnder(t, ns, "deploy", "deploy-prod")
	started := eventually(t, req, "started under its policy", func(r *v1.ApprovalRequest) bool { return r.Status.ExecutionARN != "" })

	policy.Spec.Approvers[0].Users = []string{mallory}
	must(t, cp.Client.Update(ctx, policy))
	r := run(t, cmd(ns, as(bob), "describe", "deploy")...)
	expect(t, r, plugin.ExitApproved, "Policy:        GatePolicy deploy-prod as copied at", "(generation 1, digest "+started.Status.Policy.Digest+")",
		"later edits change nothing for this request", "Approvers (who may decide each slot):", "alice@example.com", "group security-oncall")
	if strings.Contains(r.stdout, mallory) {
		t.Errorf("describe shows the policy as edited, not the copy the request runs under:\n%s", r.stdout)
	}

	waiting := createUnder(t, ns, "early", "not-yet")
	eventually(t, waiting, "waiting for its policy", func(r *v1.ApprovalRequest) bool { return len(r.Status.Conditions) > 0 })
	expect(t, run(t, cmd(ns, as(bob), "describe", "early")...), plugin.ExitApproved,
		"GatePolicy not-yet, not copied yet: the request waits for it and has no slots", "PolicyNotFound")
	expect(t, run(t, cmd(ns, as(bob), "describe", "early", "-o", "json")...), plugin.ExitApproved,
		`"source": "GatePolicy"`, `"name": "not-yet"`, `"captured": false`)
}

// createUnder has ravi create a request under a policy.
func createUnder(t *testing.T, ns, name, policy string) *v1.ApprovalRequest {
	t.Helper()
	return createSpec(t, ns, name, v1.ApprovalRequestSpec{Description: "Deploy " + name + " to production", PolicyRef: &v1.PolicyReference{Name: policy}})
}
