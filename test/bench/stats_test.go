package main

import (
	"testing"
	"time"
)

func TestSummarizeNearestRank(t *testing.T) {
	for _, c := range []struct {
		name          string
		in            []time.Duration
		p50, p99, max float64
	}{
		{"none", nil, 0, 0, 0},
		{"one", []time.Duration{7 * time.Millisecond}, 7, 7, 7},
		{"unsorted two", []time.Duration{9 * time.Millisecond, time.Millisecond}, 1, 9, 9},
		{"hundred", hundred(), 50, 99, 100},
	} {
		got := summarize(c.in)
		if got.P50 != c.p50 || got.P99 != c.p99 || got.Max != c.max || got.N != len(c.in) {
			t.Errorf("%s: got %+v, want p50 %v p99 %v max %v", c.name, got, c.p50, c.p99, c.max)
		}
	}
}

func hundred() []time.Duration {
	out := make([]time.Duration, 100)
	for i := range out {
		out[len(out)-1-i] = time.Duration(i+1) * time.Millisecond
	}
	return out
}
