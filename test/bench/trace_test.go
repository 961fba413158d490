package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestTraceKeepsTheRequestsWithinADecision(t *testing.T) {
	path := filepath.Join("testdata", "audit.log") // as kube-apiserver writes it: a JSON event per line
	at := func(ms int) time.Time { return time.Date(2026, 11, 30, 10, 0, 0, ms*int(time.Millisecond), time.UTC) }
	d := timedDecision{name: "r1", slot: "bob", wrote: at(0), sent: at(30)}
	events, err := readAudit(path, []timedDecision{d})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	renderSpan(&b, 1, d, events[0])
	got := b.String()
	for _, want := range []string{
		"decision → SendTaskSuccess 30.0 ms",
		"    +1.0     +9.0      8.0  admin as bob@example.com → patch approvalrequests r1",
		"   +12.0    +15.0      3.0  op → patch approvalrequests/status r1 (409)",
		"   +30.0                    the endpoint applies SendTaskSuccess",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the timeline lacks %q:\n%s", want, got)
		}
	}
	// A watch, a request after the SendTask and one before the write are not the decision's.
	if n := strings.Count(got, "→"); n != 4 {
		t.Errorf("the timeline has %d arrows, want 4 (the title's, the columns' and two requests'):\n%s", n, got)
	}
}

func TestMedianDecision(t *testing.T) {
	at := time.Now()
	took := func(ms int) timedDecision {
		return timedDecision{name: "r", wrote: at, sent: at.Add(time.Duration(ms) * time.Millisecond)}
	}
	if _, ok := median(nil); ok {
		t.Error("median of no decisions: want none")
	}
	if got, _ := median([]timedDecision{took(90), took(10), took(40)}); got.took() != 40*time.Millisecond {
		t.Errorf("median of 90, 10, 40 ms: got %s, want 40ms", got.took())
	}
}
