package controller

import (
	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
	"github.com/tollgate-dev/tollgate/internal/metrics"
)

// observe counts what one status write made durable: the decisions it recorded and the end
// it gave the request. It runs after each successful write, with the status before and after
// it, so a write retried after a conflict is counted once.
func observe(before, after *v1.ApprovalRequest) {
	for i := range after.Status.Approvers {
		s := &after.Status.Approvers[i]
		if s.Decision == "" || s.Decision == v1.DecisionNotRequired {
			continue
		}
		if was := approval.Entry(before, s.Name); was == nil || was.Decision == "" {
			metrics.Decision(viaOf(s.Source), s.Decision, metrics.ResultRecorded)
		}
	}
	if approval.Ended(after.Status.Phase) && !approval.Ended(before.Status.Phase) && after.Status.CompletedAt != nil {
		metrics.Outcome(after.Status.Phase, max(0, after.Status.CompletedAt.Sub(after.CreationTimestamp.Time)))
	}
}
