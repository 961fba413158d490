package approval

import (
	"testing"

	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

func TestPhaseOf(t *testing.T) {
	cases := []struct {
		status sfntypes.ExecutionStatus
		err    string
		want   v1.Phase
	}{
		{sfntypes.ExecutionStatusRunning, "", v1.PhasePending},
		{sfntypes.ExecutionStatusPendingRedrive, "", v1.PhasePending},
		{sfntypes.ExecutionStatusSucceeded, "", v1.PhaseApproved},
		{sfntypes.ExecutionStatusFailed, ErrorRejected, v1.PhaseRejected},
		{sfntypes.ExecutionStatusFailed, ErrorExpired, v1.PhaseExpired},
		{sfntypes.ExecutionStatusFailed, "States.Runtime", v1.PhaseFailed},
		{sfntypes.ExecutionStatusTimedOut, "", v1.PhaseExpired},
		{sfntypes.ExecutionStatusAborted, "", v1.PhaseAborted},
	}
	for _, c := range cases {
		if got := PhaseOf(c.status, c.err); got != c.want {
			t.Errorf("PhaseOf(%s, %q) = %s, want %s", c.status, c.err, got, c.want)
		}
	}
}
