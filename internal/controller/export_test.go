package controller

import "k8s.io/apimachinery/pkg/types"

// Test-only access to internals the suite (package controller_test) asserts on.

// Scheduled reports whether the reconciler's schedule holds an entry for a request.
func Scheduled(r *ApprovalRequestReconciler, uid types.UID) bool {
	r.checks.mu.Lock()
	defer r.checks.mu.Unlock()
	_, ok := r.checks.entries[uid]
	return ok
}

// PatchDecisionStatus writes an ApproverDecision's status as the reconciler does.
var PatchDecisionStatus = patchDecisionStatus

// TokenBinding is what a sealed token of a slot is bound to.
var TokenBinding = binding
