package approval

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// Intent is one approver's decision on one slot, before it is recorded: what the annotation
// or the ApproverDecision asks for, with the admission webhook's signed record of who asked.
// Every way of deciding produces Intents, and only the controller's recorder turns them into
// status, after it verified the record and ran the identity check again.
type Intent struct {
	Slot     string
	Decision v1.Decision
	Comment  string
	// Record is the admission webhook's signed record of the decision ("" when it has none).
	Record string
	// Source names where the intent came from: "annotation" or "ApproverDecision/<name>".
	Source string
}

// SourceAnnotation is the Source of intents read from the request's annotations.
const SourceAnnotation = "annotation"

// SourceDecisionPrefix starts the Source of an intent read from an ApproverDecision
// ("ApproverDecision/<name>").
const SourceDecisionPrefix = "ApproverDecision/"

var slotName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// maxSlotName is the longest slot name (spec.approvers[].name).
const maxSlotName = 55

// SlotAnnotations are the decision annotations of one slot, as written (the decision word is
// not parsed).
type SlotAnnotations struct {
	Decision, Comment, Record string
	HasDecision, HasComment   bool
	HasRecord                 bool
}

// Problem is a decision annotation that does not parse, with its key.
type Problem struct {
	Key, Message string
}

func (p Problem) String() string { return "annotation " + p.Key + ": " + p.Message }

// DecisionAnnotations groups a request's decision annotations by slot:
// `approvals.tollgate.dev/<slot>` (the decision), `<slot>.comment` and `<slot>.record`.
// Annotations of other prefixes are ignored; a key under the prefix that names no slot or an
// unknown suffix is a Problem.
func DecisionAnnotations(annotations map[string]string) (map[string]SlotAnnotations, []Problem) {
	slots := map[string]SlotAnnotations{}
	var problems []Problem
	for key, value := range annotations {
		rest, ok := strings.CutPrefix(key, v1.DecisionAnnotationPrefix)
		if !ok {
			continue
		}
		slot, suffix, hasSuffix := strings.Cut(rest, ".")
		if !slotName.MatchString(slot) || len(slot) > maxSlotName {
			problems = append(problems, Problem{key, fmt.Sprintf("%q is not an approver slot name", slot)})
			continue
		}
		a := slots[slot]
		switch {
		case !hasSuffix:
			a.Decision, a.HasDecision = value, true
		case "."+suffix == v1.DecisionCommentSuffix:
			a.Comment, a.HasComment = value, true
		case "."+suffix == v1.DecisionRecordSuffix:
			a.Record, a.HasRecord = value, true
		default:
			problems = append(problems, Problem{key, fmt.Sprintf("unknown suffix %q: a slot takes %s and %s", "."+suffix, v1.DecisionCommentSuffix, v1.DecisionRecordSuffix)})
			continue
		}
		slots[slot] = a
	}
	slices.SortFunc(problems, func(a, b Problem) int { return cmp.Compare(a.Key, b.Key) })
	return slots, problems
}

// FromAnnotations reads the decisions of a request's annotations, one Intent per slot that has
// a decision annotation, in slot order; a decision annotation that does not parse is reported
// in problems, never silently dropped.
func FromAnnotations(annotations map[string]string) (intents []Intent, problems []Problem) {
	slots, problems := DecisionAnnotations(annotations)
	for slot, a := range slots {
		if !a.HasDecision {
			continue
		}
		d, err := ParseDecision(a.Decision)
		if err != nil {
			problems = append(problems, Problem{v1.DecisionAnnotationPrefix + slot, err.Error()})
			continue
		}
		intents = append(intents, Intent{Slot: slot, Decision: d, Comment: a.Comment, Record: a.Record, Source: SourceAnnotation})
	}
	slices.SortFunc(intents, func(a, b Intent) int { return cmp.Compare(a.Slot, b.Slot) })
	slices.SortFunc(problems, func(a, b Problem) int { return cmp.Compare(a.Key, b.Key) })
	return intents, problems
}

// ParseDecision reads a decision word: approve or reject, in any case, spaces trimmed.
func ParseDecision(value string) (v1.Decision, error) {
	switch strings.ToLower(strings.TrimSpace(value)) {
	case "approve":
		return v1.DecisionApprove, nil
	case "reject":
		return v1.DecisionReject, nil
	}
	return "", fmt.Errorf("%q is not a decision: use approve or reject", value)
}
