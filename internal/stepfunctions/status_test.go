package stepfunctions

import (
	"testing"

	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// Every status the SDK knows has a name in tollgate's type, spelled as on the wire.
func TestExecutionStatusesAreTheSDKs(t *testing.T) {
	ours := map[ExecutionStatus]bool{
		ExecutionRunning: true, ExecutionSucceeded: true, ExecutionFailed: true,
		ExecutionTimedOut: true, ExecutionAborted: true, ExecutionPendingRedrive: true,
	}
	for _, s := range sfntypes.ExecutionStatus("").Values() {
		if !ours[ExecutionStatus(s)] {
			t.Errorf("the SDK's execution status %q has no name in ExecutionStatus", s)
		}
		delete(ours, ExecutionStatus(s))
	}
	for s := range ours {
		t.Errorf("ExecutionStatus %q is no status the SDK knows", s)
	}
}
