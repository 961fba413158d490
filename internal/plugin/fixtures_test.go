package plugin

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

var (
	alice   = person{Username: "alice@example.com"}
	carol   = person{Username: "carol@example.com", Groups: []string{"security-oncall", "system:authenticated"}}
	mallory = person{Username: "mallory@example.com"}
	ravi    = person{Username: "ravi@example.com"}
	t0      = metav1.NewTime(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
)

// pendingRequest has three slots: alice (a user), bob (a user), security (a group), created
// by ravi.
func pendingRequest() *v1.ApprovalRequest {
	return &v1.ApprovalRequest{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: "team-a", Name: "deploy", UID: "uid-1", CreationTimestamp: t0,
			Annotations: map[string]string{v1.RequesterAnnotation: `{"v":1,"by":{"username":"ravi@example.com"}}`},
		},
		Spec: v1.ApprovalRequestSpec{
			Description: "ship it",
			Approvers: []v1.Approver{
				{Name: "alice", Users: []string{"alice@example.com"}},
				{Name: "bob", Users: []string{"bob@example.com"}},
				{Name: "security", Groups: []string{"security-oncall"}},
			},
		},
		Status: v1.ApprovalRequestStatus{Phase: v1.PhasePending, Approvers: []v1.ApproverStatus{{Name: "alice"}, {Name: "bob"}, {Name: "security"}}},
	}
}

// decide records a decision on a slot of req, as the operator would.
func decide(req *v1.ApprovalRequest, slotName string, d v1.Decision, by string, at metav1.Time) {
	for i := range req.Status.Approvers {
		if s := &req.Status.Approvers[i]; s.Name == slotName {
			s.Decision, s.DecidedBy, s.DecidedAt = d, by, &at
		}
	}
}
