package controller

import (
	"testing"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
	"github.com/tollgate-dev/tollgate/internal/stepfunctions"
)

func TestPhaseOf(t *testing.T) {
	cases := []struct {
		status stepfunctions.ExecutionStatus
		err    string
		want   v1.Phase
	}{
		{stepfunctions.ExecutionRunning, "", v1.PhasePending},
		{stepfunctions.ExecutionPendingRedrive, "", v1.PhasePending},
		{stepfunctions.ExecutionSucceeded, "", v1.PhaseApproved},
		{stepfunctions.ExecutionFailed, approval.ErrorRejected, v1.PhaseRejected},
		{stepfunctions.ExecutionFailed, approval.ErrorExpired, v1.PhaseExpired},
		{stepfunctions.ExecutionFailed, "States.Runtime", v1.PhaseFailed},
		{stepfunctions.ExecutionTimedOut, "", v1.PhaseExpired},
		{stepfunctions.ExecutionAborted, "", v1.PhaseAborted},
	}
	for _, c := range cases {
		if got := phaseOf(c.status, c.err); got != c.want {
			t.Errorf("phaseOf(%s, %q) = %s, want %s", c.status, c.err, got, c.want)
		}
	}
}
