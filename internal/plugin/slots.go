package plugin

import (
	"encoding/json"
	"slices"
	"strings"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
)

// slot is one approval slot as a person reads it: who may decide it (the spec) and what was
// decided (the status; zero until the operator records the slot).
type slot struct {
	v1.Approver
	Status v1.ApproverStatus
}

// slotsOf lists a request's slots in its policy's order (approval.PolicyOf: the copy of its
// GatePolicy it runs under, or its own spec; none while it waits for its policy).
func slotsOf(req *v1.ApprovalRequest) []slot {
	approvers := approval.Slots(approval.PolicyOf(req))
	out := make([]slot, 0, len(approvers))
	for _, a := range approvers {
		s := slot{Approver: a}
		for _, st := range req.Status.Approvers {
			if st.Name == a.Name {
				s.Status = st
			}
		}
		out = append(out, s)
	}
	return out
}

// decided reports whether the slot has a decision (NotRequired included: it takes none).
func (s slot) decided() bool { return s.Status.Decision != "" }

// admits reports whether p is one of the slot's users or in one of its groups.
func (s slot) admits(p person) bool {
	return slices.Contains(s.Users, p.Username) || p.inAny(s.Groups)
}

// who names the slot's people: "alice@example.com, group security-oncall".
func (s slot) who() string {
	names := slices.Clone(s.Users)
	for _, g := range s.Groups {
		names = append(names, "group "+g)
	}
	return strings.Join(names, ", ")
}

// isFinal reports whether a request has ended (any phase but Pending; empty: not started).
func isFinal(req *v1.ApprovalRequest) bool {
	return req.Status.Phase != "" && req.Status.Phase != v1.PhasePending
}

// decidedBy returns the slot p already decided on req, if any: one person counts once.
func decidedBy(req *v1.ApprovalRequest, p person) (slot, bool) {
	for _, s := range slotsOf(req) {
		if s.decided() && s.Status.DecidedBy == p.Username {
			return s, true
		}
	}
	return slot{}, false
}

// openSlotsFor lists the slots p can decide now: the request is open, p is not its requester
// (unless the policy allows self-approval), p decided none of its slots yet, and the slot is
// undecided and names p or one of p's groups. The cluster's RBAC (verb approve) is not asked:
// the webhook asks it when the decision is sent.
func openSlotsFor(req *v1.ApprovalRequest, p person) []slot {
	if isFinal(req) || !req.DeletionTimestamp.IsZero() {
		return nil
	}
	if _, done := decidedBy(req, p); done {
		return nil
	}
	if selfBarred(req, p) {
		return nil
	}
	var out []slot
	for _, s := range slotsOf(req) {
		if !s.decided() && s.admits(p) {
			out = append(out, s)
		}
	}
	return out
}

// selfBarred reports whether p created req and its policy does not let them decide it.
func selfBarred(req *v1.ApprovalRequest, p person) bool {
	return requesterOf(req) == p.Username && !approval.AllowsSelfApproval(approval.PolicyOf(req))
}

// missingSlots lists the slots still undecided.
func missingSlots(req *v1.ApprovalRequest) []slot {
	var out []slot
	for _, s := range slotsOf(req) {
		if !s.decided() {
			out = append(out, s)
		}
	}
	return out
}

// slotNames lists the names of slots.
func slotNames(slots []slot) []string {
	out := make([]string, 0, len(slots))
	for _, s := range slots {
		out = append(out, s.Name)
	}
	return out
}

// requesterOf is who created the request, as tollgate's admission webhook recorded it.
func requesterOf(req *v1.ApprovalRequest) string {
	return recordedBy(req.Annotations[v1.RequesterAnnotation])
}

// recordedBy reads who a record of tollgate's admission webhook names ("" when there is no
// record). The record's signature is the operator's to verify: the plugin only shows the name.
func recordedBy(record string) string {
	var rec struct {
		By struct {
			Username string `json:"username"`
		} `json:"by"`
	}
	if err := json.Unmarshal([]byte(record), &rec); err != nil {
		return ""
	}
	return rec.By.Username
}
