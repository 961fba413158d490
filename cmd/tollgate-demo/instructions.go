package main

import (
	"fmt"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// printInstructions prints exactly what a person types in another terminal to decide the
// sample request.
func printInstructions(kubeconfig, kubectl, samplePath string, r *v1.ApprovalRequest) {
	name := "approvalrequest/" + r.Name
	ns := ""
	if r.Namespace != "default" {
		ns = " -n " + r.Namespace
	}
	a := func(i int) string {
		if i < len(r.Spec.Approvers) {
			return r.Spec.Approvers[i].Name
		}
		return "<slot>"
	}
	say("decide the request as its approvers would. In ANOTHER terminal, type:")
	block(
		fmt.Sprintf("export KUBECONFIG=%s; alias k=%s", kubeconfig, kubectl),
		"",
		"# the request, with its Phase and Approvals columns (add -o wide for the description)",
		"k get approvalrequests"+ns,
		"",
		"# approve slot by slot: with an annotation...",
		fmt.Sprintf("k annotate%s %s %s%s=approve", ns, name, v1.DecisionAnnotationPrefix, a(0)),
		fmt.Sprintf("k annotate%s %s %s%s=approve %s%s%s=\"looks good\"", ns, name, v1.DecisionAnnotationPrefix, a(1), v1.DecisionAnnotationPrefix, a(1), v1.DecisionCommentSuffix),
		"",
		"# ...or declaratively, with an ApproverDecision",
		"k apply -f - <<EOF",
		"apiVersion: approvals.tollgate.dev/v1alpha1",
		"kind: ApproverDecision",
		"metadata:",
		fmt.Sprintf("  name: %s-%s", r.Name, a(2)),
		fmt.Sprintf("  namespace: %s", r.Namespace),
		"spec:",
		fmt.Sprintf("  approvalRequestName: %s", r.Name),
		fmt.Sprintf("  approver: %s", a(2)),
		"  decision: Approve",
		"  comment: \"no findings\"",
		"EOF",
		"",
		"# gate on the outcome, then look at the status and the events",
		fmt.Sprintf("k wait%s --for=condition=Approved %s --timeout=60s", ns, name),
		"k get approvalrequests"+ns+" -o wide",
		fmt.Sprintf("k describe%s %s", ns, name),
		"",
		"# to REJECT instead (before the last approval): one rejection is enough when all must approve",
		fmt.Sprintf("k annotate%s %s %s%s=reject %s%s%s=\"not during the freeze\"", ns, name, v1.DecisionAnnotationPrefix, a(1), v1.DecisionAnnotationPrefix, a(1), v1.DecisionCommentSuffix),
		fmt.Sprintf("k wait%s --for=condition=Rejected %s --timeout=60s", ns, name),
		"",
		"# to start over with a new request",
		fmt.Sprintf("k delete%s approverdecisions --all; k delete%s %s; k apply -f %s", ns, ns, name, samplePath),
	)
	say("this terminal now shows every phase change and decision as it happens; Ctrl-C stops the demo and cleans up")
}
