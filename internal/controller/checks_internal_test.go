package controller

import (
	"fmt"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// spread places first checks evenly over the period, within it, never before soonest, and the
// same request always at the same place.
func TestSpread(t *testing.T) {
	for _, period := range []time.Duration{time.Second, 5 * time.Minute, time.Hour, 1000 * time.Hour} {
		soonest := period / 100
		var quarters [4]int
		for i := range 4000 {
			uid := types.UID(fmt.Sprintf("0b8f1c2e-%04d-4d6e-9a51-%012d", i, i*7919))
			d := spread(uid, period, soonest)
			if d < soonest || d >= period {
				t.Fatalf("period %s: %s outside [%s, %s)", period, d, soonest, period)
			}
			if again := spread(uid, period, soonest); again != d {
				t.Fatalf("period %s: %s then %s for the same request", period, d, again)
			}
			quarters[4*d/period]++
		}
		for q, n := range quarters {
			if n < 800 || n > 1200 {
				t.Errorf("period %s: quarter %d holds %d of 4000 first checks: %v", period, q, n, quarters)
			}
		}
	}
}
