package identity

import (
	"fmt"
	"time"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
)

// VerifyEntry checks a ledger entry (one slot of a request's status) against the admission
// webhook's record it carries: a decision counts (is delivered, is tallied, supports an end)
// only when the record is signed with the operator's key and names this request, slot,
// verdict, comment and decider. Anyone who writes status by hand — past RBAC and the status
// webhook — still decides nothing. The controller and the status webhook both ask it.
func (s *Signer) VerifyEntry(obj *v1.ApprovalRequest, e *v1.ApproverStatus) (Decision, error) {
	rec, err := s.VerifyDecision(e.Record)
	if err != nil {
		return rec, err
	}
	if err := rec.Binds(obj, e.Name, e.Decision, e.Comment); err != nil {
		return rec, err
	}
	if rec.By.Username != e.DecidedBy {
		return rec, fmt.Errorf("it names %s as the decider, the ledger %s", rec.By.Username, e.DecidedBy)
	}
	return rec, nil
}

// Verified selects the ledger entries whose decision verifies (for approval.TallyOf).
func (s *Signer) Verified(obj *v1.ApprovalRequest) func(*v1.ApproverStatus) bool {
	return func(e *v1.ApproverStatus) bool {
		_, err := s.VerifyEntry(obj, e)
		return err == nil
	}
}

// SupportsEnd says whether a request's verified ledger supports the end its status claims
// (approval.SupportsEnd over the verified decisions). The status guard asks it of every end
// written; the operator of every end it finds.
func (s *Signer) SupportsEnd(obj *v1.ApprovalRequest, now time.Time) error {
	verified := approval.TallyOf(obj, s.Verified(obj))
	return approval.SupportsEnd(obj.Status.Phase, verified, approval.ExpiresAt(obj), now)
}
