package approval

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// Intent is one approver's decision on one slot, before it is recorded: what the annotation
// or the ApproverDecision asks for. Every way of deciding produces Intents, and only the
// controller's recorder turns them into status — the one place identity checks slot in.
type Intent struct {
	Slot      string
	Decision  v1.Decision
	Comment   string
	DecidedBy string
	// Source names where the intent came from: "annotation" or "ApproverDecision/<name>".
	Source string
}

// SourceAnnotation is the Source of intents read from the request's annotations.
const SourceAnnotation = "annotation"

var slotName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// FromAnnotations reads the decision annotations of a request:
// `approvals.tollgate.dev/<slot>: approve|reject` (case-insensitive) with an optional
// `approvals.tollgate.dev/<slot>.comment`. Annotations of other prefixes are ignored; a decision
// annotation that does not parse is reported in problems, never silently dropped.
func FromAnnotations(annotations map[string]string) (intents []Intent, problems []string) {
	for key, value := range annotations {
		slot, ok := strings.CutPrefix(key, v1.DecisionAnnotationPrefix)
		if !ok || strings.HasSuffix(slot, v1.DecisionCommentSuffix) {
			continue
		}
		if !slotName.MatchString(slot) || len(slot) > 55 {
			problems = append(problems, fmt.Sprintf("annotation %s: %q is not an approver slot name", key, slot))
			continue
		}
		d, err := ParseDecision(value)
		if err != nil {
			problems = append(problems, fmt.Sprintf("annotation %s: %v", key, err))
			continue
		}
		intents = append(intents, Intent{
			Slot:     slot,
			Decision: d,
			Comment:  annotations[key+v1.DecisionCommentSuffix],
			Source:   SourceAnnotation,
		})
	}
	sort.Slice(intents, func(i, j int) bool { return intents[i].Slot < intents[j].Slot })
	sort.Strings(problems)
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
