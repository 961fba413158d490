package v1alpha1

import (
	"fmt"
	"maps"
	"slices"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/util/validation/field"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
	"github.com/tollgate-dev/tollgate/internal/identity"
)

// slotWrite is what one write does to one slot's decision annotations: the slot's annotations
// before and after, and whether its decision was admitted before (its record is tollgate's and
// binds it). The mutating webhook reads a write this way to admit and sign its decisions; the
// validating guard reads the stored-to-be object the same way to check them. Both apply check.
type slotWrite struct {
	slot     string
	was, now approval.SlotAnnotations
	recorded bool
}

// slotWrites pairs a request's decision annotations before and after a write, slot by slot in
// name order, with the keys of the write that do not parse. Keys the write did not touch are
// not reported: an old unparseable key (written while the webhooks were away) must not block
// every later write, which would be a veto.
func slotWrites(records *identity.Records, old *v1.ApprovalRequest, annotations map[string]string) ([]slotWrite, field.ErrorList) {
	before, _ := approval.DecisionAnnotations(old.Annotations)
	after, problems := approval.DecisionAnnotations(annotations)
	var errs field.ErrorList
	for _, p := range problems {
		if v, ok := old.Annotations[p.Key]; !ok || v != annotations[p.Key] {
			errs = append(errs, field.Invalid(annotationPath(p.Key), p.Key, p.Message))
		}
	}
	all := maps.Clone(before)
	maps.Copy(all, after)
	writes := make([]slotWrite, 0, len(all))
	for _, slot := range slices.Sorted(maps.Keys(all)) {
		w := slotWrite{slot: slot, was: before[slot], now: after[slot]}
		w.recorded = w.was.HasRecord && admitted(records, old, slot, w.was)
		writes = append(writes, w)
	}
	return writes, errs
}

// admitted reports whether a slot's record is one tollgate's admission wrote for its decision
// annotations on this request.
func admitted(records *identity.Records, req *v1.ApprovalRequest, slot string, a approval.SlotAnnotations) bool {
	rec, err := records.ReadDecision(a.Record)
	if err != nil {
		return false
	}
	d, err := approval.ParseDecision(a.Decision)
	return err == nil && rec.Binds(req, slot, d, a.Comment) == nil
}

// takenBack reports whether the write removes a decision that is not in the ledger — its
// annotations, comment and record all gone: the operator takes back a decision written while
// tollgate's admission was not in force (nobody checked then who wrote it).
func (w slotWrite) takenBack(old *v1.ApprovalRequest) bool {
	if !w.was.HasDecision || w.now.HasDecision || w.now.HasComment || w.now.HasRecord {
		return false
	}
	e := approval.Entry(old, w.slot)
	return e == nil || e.Record != w.was.Record
}

// commentWritten reports whether the write sets the slot's comment (adds or changes it).
func (w slotWrite) commentWritten() bool {
	return w.now.HasComment && (!w.was.HasComment || w.was.Comment != w.now.Comment)
}

// recordWritten reports whether the write sets the slot's record (adds or changes it).
func (w slotWrite) recordWritten() bool {
	return w.now.HasRecord && (!w.was.HasRecord || w.was.Record != w.now.Record)
}

// decides reports whether the write gives an unrecorded slot a decision: a decision annotation
// added or changed, or its comment changed beside it (the decider's words, sent again).
func (w slotWrite) decides() bool {
	return !w.recorded && w.now.HasDecision && (!w.was.HasDecision || w.was.Decision != w.now.Decision || w.commentWritten())
}

// check returns what the write may not do to the slot, whoever writes it: change a recorded
// decision or its comment; decide with a comment someone wrote before (a decision carries only
// the words its decider writes with it); write a comment without a decision; write a comment
// over the limit or a word that is no decision. describe says who decided a recorded slot.
func (w slotWrite) check(describe func(record string) string) field.ErrorList {
	key := v1.DecisionAnnotationPrefix + w.slot
	commentPath := annotationPath(key + v1.DecisionCommentSuffix)
	var errs field.ErrorList
	switch {
	case w.recorded:
		if w.now.HasDecision != w.was.HasDecision || w.now.Decision != w.was.Decision || w.now.HasComment != w.was.HasComment || w.now.Comment != w.was.Comment {
			errs = append(errs, field.Forbidden(annotationPath(key), fmt.Sprintf("the decision of slot %s is recorded (%s): it cannot be changed or removed", w.slot, describe(w.was.Record))))
		}
		return errs
	case w.decides():
		if w.now.HasComment && !w.commentWritten() {
			errs = append(errs, field.Forbidden(commentPath, fmt.Sprintf("the comment of slot %s was written before this decision, not with it: a decision carries only the words its decider writes with it; remove the comment, or write yours in the same write as the decision", w.slot)))
		}
		if _, err := approval.ParseDecision(w.now.Decision); err != nil {
			errs = append(errs, field.Invalid(annotationPath(key), w.now.Decision, "use approve or reject (any case)"))
		}
	case w.commentWritten():
		errs = append(errs, field.Forbidden(commentPath, fmt.Sprintf("a comment is written with its decision, by its decider: set %s and %s in one write", key, key+v1.DecisionCommentSuffix)))
	}
	if w.commentWritten() && utf8.RuneCountInString(w.now.Comment) > v1.MaxCommentLength {
		errs = append(errs, field.TooLong(commentPath, "", v1.MaxCommentLength))
	}
	return errs
}

// creationErrors refuses what a new request may not carry: decision annotations and comments
// (an approval is given by a person to a request that exists), and keys that do not parse.
// Records are the mutating webhook's to strip and the guard's to refuse.
func creationErrors(annotations map[string]string) field.ErrorList {
	slots, problems := approval.DecisionAnnotations(annotations)
	errs := problemErrors(problems)
	for _, slot := range slices.Sorted(maps.Keys(slots)) {
		key := v1.DecisionAnnotationPrefix + slot
		if slots[slot].HasDecision {
			errs = append(errs, field.Forbidden(annotationPath(key),
				"a decision cannot be set when the request is created: an approval is given by a person to a request that exists; annotate the request once it is created"))
		}
		if slots[slot].HasComment {
			errs = append(errs, field.Forbidden(annotationPath(key+v1.DecisionCommentSuffix),
				"a comment cannot be set when the request is created: a comment is written with its decision, by its decider"))
		}
	}
	return errs
}
