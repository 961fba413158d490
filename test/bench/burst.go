package main

import (
	"context"
	"sync"
	"time"
)

// burst is many decisions written at once, as a release train's approvers do.
type burst struct {
	Decisions int `json:"decisions"`
	// WriteSeconds: the first write sent → the last write answered (the API server's pace).
	WriteSeconds float64 `json:"write_seconds"`
	// PassedSeconds: the first write sent → the last SendTaskSuccess applied.
	PassedSeconds float64 `json:"passed_on_seconds"`
	// PerSecond is Decisions / PassedSeconds: what tollgate passed on.
	PerSecond float64 `json:"decisions_per_second"`
	// Latency: each decision's write → its SendTaskSuccess.
	Latency stats `json:"decision_to_sendtask"`
	// APIRequests is what each decision cost kube-apiserver, by verb and resource (the
	// decision's write, the webhooks' and the operator's calls), busiest first.
	APIRequests []string `json:"api_requests_per_decision"`
}

// runBurst writes one decision (alice's) on each of names at once, from writers goroutines.
func (h *harness) runBurst(ctx context.Context, names []string, writers int) (burst, error) {
	say("burst: %d decisions written at once by %d writers", len(names), writers)
	sent := make(map[string]<-chan time.Time, len(names))
	for _, n := range names {
		sent[n] = h.probe.sentCh(token(h.watch.get(n), "alice"))
	}
	before, err := apiRequests(ctx, h.env.ControlPlane.Admin)
	if err != nil {
		return burst{}, err
	}
	var mu sync.Mutex
	wrote := make(map[string]time.Time, len(names))
	first := time.Now()
	err = forEach(ctx, names, writers, func(name string) error {
		at, err := h.annotate(ctx, name, "alice")
		mu.Lock()
		wrote[name] = at
		mu.Unlock()
		return err
	})
	if err != nil {
		return burst{}, err
	}
	written := time.Now()
	var last time.Time
	lat := make([]time.Duration, 0, len(names))
	for _, n := range names {
		at, err := await(ctx, sent[n], n+"/alice's SendTaskSuccess in the burst", 5*time.Minute)
		if err != nil {
			return burst{}, err
		}
		lat = append(lat, at.Sub(wrote[n]))
		if at.After(last) {
			last = at
		}
	}
	after, err := apiRequests(ctx, h.env.ControlPlane.Admin)
	if err != nil {
		return burst{}, err
	}
	b := burst{
		Decisions: len(names), WriteSeconds: written.Sub(first).Seconds(), PassedSeconds: last.Sub(first).Seconds(),
		Latency: summarize(lat), APIRequests: perDecision(before, after, len(names)),
	}
	b.PerSecond = float64(b.Decisions) / b.PassedSeconds
	return b, nil
}
