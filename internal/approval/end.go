package approval

import (
	"errors"
	"fmt"
	"time"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// ExpirySkew is how far before a request's expiry an Expired end is believed: the state machine
// expires a request on Step Functions' clock, which may run ahead of the cluster's by a little.
// Within it, someone who can write status could expire a request early; beyond it, never.
const ExpirySkew = time.Minute

// ErrExecutionDecides marks an end that only the execution can confirm: Failed and Aborted say
// what happened to the execution, which no ledger entry records.
var ErrExecutionDecides = errors.New("only the execution can confirm this end")

// SupportsEnd says whether a request's verified ledger supports phase as its end: Approved only
// when the verified decisions reach the quorum, Rejected only when they make it unreachable,
// Expired only once the request's timeout has passed (less ExpirySkew). It returns nil when
// they do, an error saying why not, and ErrExecutionDecides for Failed and Aborted. Every end
// written to status is checked with it — at admission, and by the operator before it acts on
// an end it finds — so no end is ever read back from status alone.
func SupportsEnd(phase v1.Phase, verified Tally, expires, now time.Time) error {
	switch verdict := verified.Verdict(); phase {
	case v1.PhaseApproved:
		if verdict != VerdictReached {
			return fmt.Errorf("the end %s needs %d verified approvals; the ledger holds %s verified approvals", phase, verified.Required, verified)
		}
	case v1.PhaseRejected:
		if verdict != VerdictUnreachable {
			return fmt.Errorf("the end %s needs more than %d verified rejections; the ledger holds %d, which leave %s approvals reachable", phase, verified.Total-verified.Required, verified.Rejected, verified)
		}
	case v1.PhaseExpired:
		if now.Before(expires.Add(-ExpirySkew)) {
			return fmt.Errorf("the end %s comes before its time: the request expires at %s", phase, expires.Format(time.RFC3339))
		}
	case v1.PhaseFailed, v1.PhaseAborted:
		return ErrExecutionDecides
	default:
		return fmt.Errorf("%q is not an end", phase)
	}
	return nil
}

// Ended reports whether a phase is an end (Approved, Rejected, Expired, Aborted, Failed).
func Ended(p v1.Phase) bool {
	return p != "" && p != v1.PhasePending
}
