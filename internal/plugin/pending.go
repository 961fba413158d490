package plugin

import (
	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
)

// withPending returns a copy of req whose slots also show the ApproverDecisions tollgate's
// webhook admitted but the operator has not recorded yet (and did not refuse): a decision sent
// a moment ago is a decision made, for the plugin's checks as for the webhook's.
func withPending(req *v1.ApprovalRequest, decisions []v1.ApproverDecision) *v1.ApprovalRequest {
	out := req.DeepCopy()
	for i := range decisions {
		d := &decisions[i]
		by := recordedBy(d.Annotations[v1.RecordAnnotation])
		if by == "" || d.Status.Phase == v1.DecisionRefused || !decidesRequest(d, req) {
			continue // not admitted by tollgate's webhook, refused, or another request's
		}
		st := statusEntry(out, d.Spec.Approver)
		if st == nil || st.Decision != "" {
			continue
		}
		created := d.CreationTimestamp
		st.Decision, st.DecidedBy, st.DecidedAt, st.Source = d.Spec.Decision, by, &created, "ApproverDecision/"+d.Name
	}
	return out
}

// statusEntry finds a slot's status entry, adding one for a slot of the spec that has none
// yet; nil for a slot the spec does not name.
func statusEntry(req *v1.ApprovalRequest, name string) *v1.ApproverStatus {
	for i := range req.Status.Approvers {
		if req.Status.Approvers[i].Name == name {
			return &req.Status.Approvers[i]
		}
	}
	if approval.Slot(approval.PolicyOf(req), name) != nil {
		req.Status.Approvers = append(req.Status.Approvers, v1.ApproverStatus{Name: name})
		return &req.Status.Approvers[len(req.Status.Approvers)-1]
	}
	return nil
}
