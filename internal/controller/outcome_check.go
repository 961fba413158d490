package controller

import (
	"context"
	"fmt"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
	"github.com/tollgate-dev/tollgate/internal/identity"
)

// confirmOutcome confirms an outcome report against the request's own execution, where the
// verified ledger cannot: an Approved or Rejected the verified decisions reach, or an Expired
// past the request's deadline, stands on the ledger alone (whoever reports it, it is true).
// Any other end must be in the execution's own history — an outcome task scheduled there with
// the same outcome, error and cause — or the report is refused as foreign.
func (t *TaskRouter) confirmOutcome(ctx context.Context, obj *v1.ApprovalRequest, in *approval.TaskInput, phase v1.Phase) error {
	claim := obj.DeepCopy()
	claim.Status.Phase = phase
	if identity.SupportsEnd(claim, t.Clock.Now()) == nil {
		return nil
	}
	own := approval.OwnExecution(obj, t.DefaultStateMachineARN)
	reported, err := t.Engine.TaskScheduled(ctx, own, func(input []byte) bool { return sameReport(input, in) })
	switch {
	case err != nil:
		return fmt.Errorf("reading the history of %s to confirm its outcome %s: %w", own, phase, err)
	case reported:
		return nil
	}
	return foreignExecution{obj.DeepCopy(), fmt.Sprintf("an outcome report %s (%s) naming the request's own execution %s was not reported by its execution (its history has no such report): it was answered %s and changed nothing", phase, in.Error, own, approval.ErrorForeignExecution)}
}

// sameReport reports whether a scheduled task's input is the outcome report in.
func sameReport(input []byte, in *approval.TaskInput) bool {
	got, err := approval.ParseTaskInput(input)
	return err == nil && got.Task == approval.TaskOutcome && got.Outcome == in.Outcome && got.Error == in.Error && got.Cause == in.Cause
}
