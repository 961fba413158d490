package main

import (
	"testing"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// The impostor the demo shows tries a slot no one has decided: on a decided one, the same
// decision again changes nothing and is admitted.
func TestOpenSlotIsTheFirstUndecided(t *testing.T) {
	spec := []v1.Approver{{Name: "alice"}, {Name: "bob"}, {Name: "security"}}
	for _, tc := range []struct {
		name   string
		status []v1.ApproverStatus
		want   string
	}{
		{"no status yet", nil, "alice"},
		{"tokens only", []v1.ApproverStatus{{Name: "alice", TaskToken: "t"}, {Name: "bob", TaskToken: "t"}}, "alice"},
		{"the first decided", []v1.ApproverStatus{{Name: "alice", Decision: v1.DecisionApprove}, {Name: "bob", TaskToken: "t"}}, "bob"},
		{"every slot decided: the first", []v1.ApproverStatus{
			{Name: "security", Decision: v1.DecisionApprove},
			{Name: "alice", Decision: v1.DecisionReject},
			{Name: "bob", Decision: v1.DecisionNotRequired},
		}, "alice"},
		{"the first two decided", []v1.ApproverStatus{{Name: "bob", Decision: v1.DecisionApprove}, {Name: "alice", Decision: v1.DecisionApprove}}, "security"},
	} {
		r := &v1.ApprovalRequest{Spec: v1.ApprovalRequestSpec{Approvers: spec}, Status: v1.ApprovalRequestStatus{Approvers: tc.status}}
		if got := openSlot(r); got != tc.want {
			t.Errorf("%s: openSlot = %q, want %q", tc.name, got, tc.want)
		}
	}
}
