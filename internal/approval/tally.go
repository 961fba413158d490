package approval

import (
	"fmt"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// Verdict is what a tally says about a request.
type Verdict string

const (
	// VerdictOpen: neither enough approvals nor enough rejections yet.
	VerdictOpen Verdict = "open"
	// VerdictReached: requiredApprovals approvals are in.
	VerdictReached Verdict = "reached"
	// VerdictUnreachable: requiredApprovals can no longer be reached.
	VerdictUnreachable Verdict = "unreachable"
)

// Tally counts a request's decisions.
type Tally struct {
	Approved, Rejected, Required, Total int
}

// Add counts one decision.
func (t Tally) Add(d v1.Decision) Tally {
	switch d {
	case v1.DecisionApprove:
		t.Approved++
	case v1.DecisionReject:
		t.Rejected++
	}
	return t
}

// Verdict says whether the request is decided: approved once Required approvals are in,
// rejected once more than Total-Required slots rejected. A tally without a quorum (a request
// that has not captured its GatePolicy) stays open: no end is ever supported by nothing.
func (t Tally) Verdict() Verdict {
	switch {
	case t.Required <= 0:
		return VerdictOpen
	case t.Approved >= t.Required:
		return VerdictReached
	case t.Rejected > t.Total-t.Required:
		return VerdictUnreachable
	default:
		return VerdictOpen
	}
}

// String renders approvals for `kubectl get` ("2/3").
func (t Tally) String() string {
	return fmt.Sprintf("%d/%d", t.Approved, t.Required)
}

// TallyOf counts the decisions of a request's ledger entries that pass include (the verified
// ones, or those also delivered).
func TallyOf(obj *v1.ApprovalRequest, include func(*v1.ApproverStatus) bool) Tally {
	p := PolicyOf(obj)
	t := Tally{Required: RequiredApprovals(p), Total: len(Slots(p))}
	for i := range obj.Status.Approvers {
		if s := &obj.Status.Approvers[i]; include(s) {
			t = t.Add(s.Decision)
		}
	}
	return t
}

// Entry finds a slot's ledger entry in a request's status (nil when it has none yet).
func Entry(obj *v1.ApprovalRequest, slot string) *v1.ApproverStatus {
	for i := range obj.Status.Approvers {
		if obj.Status.Approvers[i].Name == slot {
			return &obj.Status.Approvers[i]
		}
	}
	return nil
}
