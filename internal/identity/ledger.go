package identity

import (
	"fmt"
	"slices"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
)

// VerifyEntry checks a ledger entry (one slot of a request's status) against the record it
// carries: a decision counts (is tallied, supports an end) only when its record reads and names
// this request, slot, verdict, comment and decider. A version 1 record's signature is not
// checked here: it was when the entry was recorded, and the key may be retired since. Whether the record itself is to be believed
// is Backed's question, asked when the entry is written (the status guard) and before it is
// delivered (the controller).
func VerifyEntry(obj *v1.ApprovalRequest, e *v1.ApproverStatus) (Decision, error) {
	var rec Decision
	err := read(kindDecision, e.Record, &rec, &rec.Version, &rec.MAC)
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
func Verified(obj *v1.ApprovalRequest) func(*v1.ApproverStatus) bool {
	return func(e *v1.ApproverStatus) bool {
		_, err := VerifyEntry(obj, e)
		return err == nil
	}
}

// SupportsEnd says whether a request's verified ledger supports the end its status claims
// (approval.SupportsEnd over the verified decisions). The status guard asks it of every end
// written; the operator of every end it finds.
func SupportsEnd(obj *v1.ApprovalRequest, now time.Time) error {
	verified := approval.TallyOf(obj, Verified(obj))
	return approval.SupportsEnd(obj.Status.Phase, verified, approval.ExpiresAt(obj), now)
}

// Backed checks that a ledger entry is backed by the decision it came from, as it is stored: an
// entry read from annotations by the request's own decision annotations (the same verdict,
// comment and record), an entry read from an ApproverDecision by that object (owned by this
// request, with the same slot, verdict, comment and record). A record is not signed: what
// vouches for it is that admission checked, when it was written, that it names its writer — so
// a ledger entry is believed only where its source stands, and someone who can write status
// (as the operator) cannot invent one. decision finds an ApproverDecision of the request's
// namespace by name (nil: there is none).
func Backed(obj *v1.ApprovalRequest, e *v1.ApproverStatus, decision func(name string) *v1.ApproverDecision) error {
	if _, err := VerifyEntry(obj, e); err != nil {
		return err
	}
	name, fromObject := strings.CutPrefix(e.Source, approval.SourceDecisionPrefix)
	if !fromObject {
		if e.Source != approval.SourceAnnotation {
			return fmt.Errorf("its source %q is neither an annotation nor an ApproverDecision", e.Source)
		}
		slots, _ := approval.DecisionAnnotations(obj.Annotations)
		a := slots[e.Name]
		if d, err := approval.ParseDecision(a.Decision); err != nil || d != e.Decision || a.Comment != e.Comment || a.Record != e.Record {
			return fmt.Errorf("the request's annotations for slot %s do not hold it", e.Name)
		}
		return nil
	}
	d := decision(name)
	switch {
	case d == nil:
		return fmt.Errorf("ApproverDecision %s is gone", name)
	case d.Spec.Approver != e.Name || d.Spec.Decision != e.Decision || d.Spec.Comment != e.Comment || d.Annotations[v1.RecordAnnotation] != e.Record:
		return fmt.Errorf("ApproverDecision %s does not hold it", name)
	case !slices.ContainsFunc(d.OwnerReferences, func(o metav1.OwnerReference) bool { return o.UID == obj.UID }):
		return fmt.Errorf("ApproverDecision %s belongs to another request", name)
	}
	return nil
}
