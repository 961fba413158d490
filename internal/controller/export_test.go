package controller

// Test-only access to internals the suite (package controller_test) asserts on.

// PendingChecks is how many requests have a DescribeExecution check scheduled.
func PendingChecks(r *ApprovalRequestReconciler) int {
	r.checks.mu.Lock()
	defer r.checks.mu.Unlock()
	return len(r.checks.due)
}

// PatchDecisionStatus writes an ApproverDecision's status as the reconciler does.
var PatchDecisionStatus = patchDecisionStatus
