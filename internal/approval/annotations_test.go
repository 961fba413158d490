package approval

import (
	"reflect"
	"strings"
	"testing"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

func TestFromAnnotations(t *testing.T) {
	cases := []struct {
		name         string
		annotations  map[string]string
		want         []Intent
		wantProblems []string
	}{
		{
			name: "the admission webhook's record goes with its decision",
			annotations: map[string]string{
				"approvals.tollgate.dev/alice": "approve", "approvals.tollgate.dev/alice.record": `{"v":1}`,
				"approvals.tollgate.dev/bob.record": `{"v":1}`,
			},
			want: []Intent{{Slot: "alice", Decision: v1.DecisionApprove, Record: `{"v":1}`, Source: SourceAnnotation}},
		},
		{
			name:         "an unknown suffix is reported",
			annotations:  map[string]string{"approvals.tollgate.dev/alice.reason": "x"},
			wantProblems: []string{`annotation approvals.tollgate.dev/alice.reason: unknown suffix ".reason": a slot takes .comment and .record`},
		},
		{
			name:        "approve with a comment",
			annotations: map[string]string{"approvals.tollgate.dev/alice": "approve", "approvals.tollgate.dev/alice.comment": "lgtm"},
			want:        []Intent{{Slot: "alice", Decision: v1.DecisionApprove, Comment: "lgtm", Source: SourceAnnotation}},
		},
		{
			name:        "case-insensitive and trimmed",
			annotations: map[string]string{"approvals.tollgate.dev/bob": " REJECT ", "approvals.tollgate.dev/alice": "Approve"},
			want: []Intent{
				{Slot: "alice", Decision: v1.DecisionApprove, Source: SourceAnnotation},
				{Slot: "bob", Decision: v1.DecisionReject, Source: SourceAnnotation},
			},
		},
		{
			name:        "other prefixes and lone comments are ignored",
			annotations: map[string]string{"kubectl.kubernetes.io/last-applied-configuration": "{}", "approvals.tollgate.dev/alice.comment": "x"},
		},
		{
			name:         "a value that is not a decision is reported",
			annotations:  map[string]string{"approvals.tollgate.dev/alice": "yes"},
			wantProblems: []string{`annotation approvals.tollgate.dev/alice: "yes" is not a decision: use approve or reject`},
		},
		{
			name:         "a key that is not a slot name is reported",
			annotations:  map[string]string{"approvals.tollgate.dev/Alice": "approve"},
			wantProblems: []string{`annotation approvals.tollgate.dev/Alice: "Alice" is not an approver slot name`},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, found := FromAnnotations(c.annotations)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("intents = %+v, want %+v", got, c.want)
			}
			var problems []string
			for _, p := range found {
				problems = append(problems, p.String())
			}
			if !reflect.DeepEqual(problems, c.wantProblems) {
				t.Errorf("problems = %q, want %q", problems, c.wantProblems)
			}
		})
	}
}

// FuzzFromAnnotations: any annotation map parses without panic, and every intent it yields
// names a valid slot and a real decision.
func FuzzFromAnnotations(f *testing.F) {
	f.Add("approvals.tollgate.dev/alice", "approve", "a comment")
	f.Add("approvals.tollgate.dev/a-b", "ReJeCt", "")
	f.Add("approvals.tollgate.dev/", "approve", "")
	f.Add("approvals.tollgate.dev/x.comment", "reject", "")
	f.Add("approvals.tollgate.dev/x.record", "{}", "")
	f.Add("approvals.tollgate.dev/x..comment", "approve", "")
	f.Fuzz(func(t *testing.T, key, value, comment string) {
		ann := map[string]string{key: value, key + ".comment": comment, key + ".record": comment}
		intents, problems := FromAnnotations(ann)
		slots, _ := DecisionAnnotations(ann)
		if len(intents)+len(problems) > len(ann) {
			t.Fatalf("%d intents and %d problems from %d annotations", len(intents), len(problems), len(ann))
		}
		for _, p := range problems {
			if _, ok := ann[p.Key]; !ok {
				t.Fatalf("a problem names key %q, which is not an annotation", p.Key)
			}
		}
		for _, in := range intents {
			if got := slots[in.Slot]; !got.HasDecision || got.Comment != in.Comment || got.Record != in.Record {
				t.Fatalf("intent %+v disagrees with its slot's annotations %+v", in, got)
			}
			if !slotName.MatchString(in.Slot) || !strings.HasPrefix(key, v1.DecisionAnnotationPrefix) {
				t.Fatalf("intent for bad slot %q from key %q", in.Slot, key)
			}
			if in.Decision != v1.DecisionApprove && in.Decision != v1.DecisionReject {
				t.Fatalf("intent with decision %q from value %q", in.Decision, value)
			}
		}
	})
}
