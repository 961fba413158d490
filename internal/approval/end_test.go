package approval

import (
	"errors"
	"strings"
	"testing"
	"time"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

func TestSupportsEnd(t *testing.T) {
	expires := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	twoOfThree := func(approved, rejected int) Tally {
		return Tally{Approved: approved, Rejected: rejected, Required: 2, Total: 3}
	}
	cases := []struct {
		name  string
		phase v1.Phase
		tally Tally
		now   time.Time
		want  string // "" supported; else part of the error
	}{
		{"approved by the quorum", v1.PhaseApproved, twoOfThree(2, 0), expires.Add(-time.Hour), ""},
		{"approved with one verified approval of two", v1.PhaseApproved, twoOfThree(1, 0), expires.Add(-time.Hour), "the ledger holds 1/2 verified approvals"},
		{"approved with nothing verified", v1.PhaseApproved, twoOfThree(0, 0), expires.Add(-time.Hour), "0/2"},
		{"rejected when the quorum is out of reach", v1.PhaseRejected, twoOfThree(0, 2), expires.Add(-time.Hour), ""},
		{"rejected with a rejection that leaves it reachable", v1.PhaseRejected, twoOfThree(0, 1), expires.Add(-time.Hour), "leave 0/2 approvals reachable"},
		{"expired after the timeout", v1.PhaseExpired, twoOfThree(0, 0), expires.Add(time.Second), ""},
		{"expired within the clock skew", v1.PhaseExpired, twoOfThree(1, 0), expires.Add(-ExpirySkew / 2), ""},
		{"expired an hour early", v1.PhaseExpired, twoOfThree(0, 0), expires.Add(-time.Hour), "comes before its time"},
		{"pending is no end", v1.PhasePending, twoOfThree(2, 0), expires, "is not an end"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := SupportsEnd(c.phase, c.tally, expires, c.now)
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("SupportsEnd(%s) = %v, want supported", c.phase, err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("SupportsEnd(%s) = %v, want an error containing %q", c.phase, err, c.want)
			}
		})
	}
	for _, phase := range []v1.Phase{v1.PhaseFailed, v1.PhaseAborted} {
		if err := SupportsEnd(phase, twoOfThree(2, 0), expires, expires); !errors.Is(err, ErrExecutionDecides) {
			t.Errorf("SupportsEnd(%s) = %v, want ErrExecutionDecides", phase, err)
		}
	}
}
