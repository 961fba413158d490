package approval

import (
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// PhaseOf maps an execution's status and error to the request's phase. A RUNNING execution
// is Pending. A FAILED one is Rejected or Expired when its error says so (the contract's error
// names), and Failed otherwise; TIMED_OUT (the execution's own timeout) counts as Expired.
func PhaseOf(status sfntypes.ExecutionStatus, errorName string) v1.Phase {
	switch status {
	case sfntypes.ExecutionStatusSucceeded:
		return v1.PhaseApproved
	case sfntypes.ExecutionStatusAborted:
		return v1.PhaseAborted
	case sfntypes.ExecutionStatusTimedOut:
		return v1.PhaseExpired
	case sfntypes.ExecutionStatusFailed:
		switch errorName {
		case ErrorRejected:
			return v1.PhaseRejected
		case ErrorExpired:
			return v1.PhaseExpired
		}
		return v1.PhaseFailed
	}
	return v1.PhasePending
}
