package controller

import (
	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
	"github.com/tollgate-dev/tollgate/internal/stepfunctions"
)

// phaseOf maps an execution's status and error to the request's phase. A RUNNING execution
// is Pending. A FAILED one is Rejected or Expired when its error says so (the contract's error
// names), and Failed otherwise; TIMED_OUT (the execution's own timeout) counts as Expired. It
// lives here because the controller is where Step Functions' words meet tollgate's kinds.
func phaseOf(status stepfunctions.ExecutionStatus, errorName string) v1.Phase {
	switch status {
	case stepfunctions.ExecutionSucceeded:
		return v1.PhaseApproved
	case stepfunctions.ExecutionAborted:
		return v1.PhaseAborted
	case stepfunctions.ExecutionTimedOut:
		return v1.PhaseExpired
	case stepfunctions.ExecutionFailed:
		switch errorName {
		case approval.ErrorRejected:
			return v1.PhaseRejected
		case approval.ErrorExpired:
			return v1.PhaseExpired
		}
		return v1.PhaseFailed
	}
	return v1.PhasePending
}
