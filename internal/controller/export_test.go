package controller

import (
	"context"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
)

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

// RecordOutcome records the end an answered outcome task reported, as the activity router does.
func (t *TaskRouter) RecordOutcome(ctx context.Context, key client.ObjectKey, in *approval.TaskInput, phase v1.Phase) error {
	return t.recordOutcome(ctx, key, in, phase)
}
