package main

import (
	"fmt"
	"strings"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// personOf is who of the demo's people decides a slot, as kubectl flags (--as, --as-group).
func personOf(a v1.Approver) string {
	if len(a.Users) > 0 {
		return "--as " + a.Users[0]
	}
	for _, g := range a.Groups {
		for _, u := range approverUsers {
			if strings.Contains(strings.Join(groupsOf(u), ","), g) {
				return "--as " + u + " --as-group " + g
			}
		}
	}
	return "--as <a member of " + strings.Join(a.Groups, " or ") + ">"
}

// printInstructions prints exactly what a person types in another terminal to decide the
// sample request as its approvers, and to see an impostor refused.
func printInstructions(kubeconfig, kubectl, samplePath string, r *v1.ApprovalRequest) {
	name := "approvalrequest/" + r.Name
	ns := ""
	if r.Namespace != "default" {
		ns = " -n " + r.Namespace
	}
	slot := func(i int) (string, string) {
		if slots := slotsOf(r); i < len(slots) {
			return slots[i].Name, personOf(slots[i])
		}
		return "<slot>", "--as <approver>"
	}
	a0, as0 := slot(0)
	a1, as1 := slot(1)
	a2, as2 := slot(2)
	say("decide the request as its approvers would. In ANOTHER terminal, type:")
	block(
		fmt.Sprintf("export KUBECONFIG=%s; alias k=%s", kubeconfig, kubectl),
		"",
		"# the request, with its Phase, Policy and Approvals columns (add -o wide for the description);",
		"# its rules come from the team's GatePolicy, copied when it started (status.policy)",
		"k get approvalrequests"+ns,
		fmt.Sprintf("k get gatepolicies%s; k get%s %s -o jsonpath='{.status.policy.name} generation {.status.policy.generation}{\"\\n\"}'", ns, ns, name),
		"",
		"# the requester cannot pick the approvers: the namespace requires a policy, and he may not edit one",
		fmt.Sprintf("k create%s -f - --dry-run=server --as %s <<EOF", ns, requester),
		"apiVersion: approvals.tollgate.dev/v1alpha1",
		"kind: ApprovalRequest",
		fmt.Sprintf("metadata: {name: %s-again, namespace: %s}", r.Name, r.Namespace),
		fmt.Sprintf("spec: {description: mine, approvers: [{name: %s, users: [%s]}]}", a0, impostor),
		"EOF",
		fmt.Sprintf("k patch%s gatepolicy/%s --type=merge -p '{\"spec\":{\"policy\":{\"requiredApprovals\":1}}}' --as %s", ns, policyName(r), requester),
		"",
		"# an impostor is refused, with the reason (mallory may approve in this namespace, but is no approver of this slot):",
		fmt.Sprintf("k annotate%s %s %s%s=approve --as %s", ns, name, v1.DecisionAnnotationPrefix, openSlot(r), impostor),
		"",
		"# approve slot by slot AS THE APPROVERS (the demo's admin acts as anyone with --as): with an annotation...",
		fmt.Sprintf("k annotate%s %s %s%s=approve %s", ns, name, v1.DecisionAnnotationPrefix, a0, as0),
		fmt.Sprintf("k annotate%s %s %s%s=approve %s%s%s=\"looks good\" %s",
			ns, name, v1.DecisionAnnotationPrefix, a1, v1.DecisionAnnotationPrefix, a1, v1.DecisionCommentSuffix, as1),
		"",
		"# ...or declaratively, with an ApproverDecision",
		fmt.Sprintf("k apply %s -f - <<EOF", as2),
		"apiVersion: approvals.tollgate.dev/v1alpha1",
		"kind: ApproverDecision",
		"metadata:",
		fmt.Sprintf("  name: %s-%s", r.Name, a2),
		fmt.Sprintf("  namespace: %s", r.Namespace),
		"spec:",
		fmt.Sprintf("  approvalRequestName: %s", r.Name),
		fmt.Sprintf("  approver: %s", a2),
		"  decision: Approve",
		"  comment: \"no findings\"",
		"EOF",
		"",
		"# gate on the outcome, then look at who decided what, and the events",
		fmt.Sprintf("k wait%s --for=condition=Approved %s --timeout=60s", ns, name),
		"k get approvalrequests"+ns+" -o wide; k get approverdecisions"+ns+" -o wide",
		fmt.Sprintf("k describe%s %s", ns, name),
		"",
		"# to REJECT instead (before the last approval): one rejection is enough when all must approve",
		fmt.Sprintf("k annotate%s %s %s%s=reject %s%s%s=\"not during the freeze\" %s",
			ns, name, v1.DecisionAnnotationPrefix, a1, v1.DecisionAnnotationPrefix, a1, v1.DecisionCommentSuffix, as1),
		fmt.Sprintf("k wait%s --for=condition=Rejected %s --timeout=60s", ns, name),
		"",
		"# to start over with a new request (created by the requester, who may not approve it)",
		fmt.Sprintf("k delete%s %s; k apply --as %s -f %s", ns, name, requester, samplePath),
	)
	say("this terminal now shows every phase change and decision as it happens; Ctrl-C stops the demo and cleans up")
}
