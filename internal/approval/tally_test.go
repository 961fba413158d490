package approval

import (
	"testing"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

func TestTallyVerdict(t *testing.T) {
	A, R := v1.DecisionApprove, v1.DecisionReject
	cases := []struct {
		name      string
		required  int
		total     int
		decisions []v1.Decision
		want      Verdict
	}{
		{"nothing decided", 3, 3, nil, VerdictOpen},
		{"all of three approve", 3, 3, []v1.Decision{A, A, A}, VerdictReached},
		{"two of three approve, all required", 3, 3, []v1.Decision{A, A}, VerdictOpen},
		{"first rejection rejects when all are required", 3, 3, []v1.Decision{A, R}, VerdictUnreachable},
		{"2-of-3: one rejection leaves it open", 2, 3, []v1.Decision{R}, VerdictOpen},
		{"2-of-3: one rejection then two approvals", 2, 3, []v1.Decision{R, A, A}, VerdictReached},
		{"2-of-3: two rejections reject", 2, 3, []v1.Decision{R, R}, VerdictUnreachable},
		{"1-of-5: one approval approves", 1, 5, []v1.Decision{A}, VerdictReached},
		{"1-of-5: four rejections leave it open", 1, 5, []v1.Decision{R, R, R, R}, VerdictOpen},
		{"not-required slots count for nothing", 2, 3, []v1.Decision{v1.DecisionNotRequired, A}, VerdictOpen},
		{"no quorum (a policy not captured yet) reaches nothing", 0, 0, nil, VerdictOpen},
		{"no quorum, decisions or not", 0, 0, []v1.Decision{A, R}, VerdictOpen},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tally := Tally{Required: c.required, Total: c.total}
			for _, d := range c.decisions {
				tally = tally.Add(d)
			}
			if got := tally.Verdict(); got != c.want {
				t.Fatalf("verdict = %s, want %s (tally %+v)", got, c.want, tally)
			}
		})
	}
}
