package main

import (
	"context"
	"time"
)

// restart is a fresh manager resuming the pending requests of one before it.
type restart struct {
	Pending int `json:"pending"`
	// FlowingSeconds: the new manager's start → a decision written at that moment applied.
	FlowingSeconds float64 `json:"decisions_flow_after_seconds"`
	// LateSeconds: that decision's write → its SendTaskSuccess.
	LateSeconds float64 `json:"decision_late_seconds"`
	// StartExecutions and DescribeExecutions are the calls the resume made (none are needed:
	// status is the ledger).
	StartExecutions    int `json:"start_executions"`
	DescribeExecutions int `json:"describe_executions"`
}

// runRestart stops the manager (SIGTERM, as a rollout does), starts a fresh one and writes a
// decision on a pending request at once; settle is how long the resume is watched after the
// decision arrived, for calls it should not make; started is called once the new manager runs.
func (h *harness) runRestart(ctx context.Context, pool *pending, settle time.Duration, started func()) (restart, error) {
	r := restart{Pending: len(pool.names)}
	say("restart: stopping the manager with %d requests pending, starting a fresh one, deciding at once", r.Pending)
	if err := h.manager.Stop(); err != nil {
		return r, err
	}
	name := pool.take()
	sent := h.probe.sentCh(token(h.watch.get(name), "alice"))
	before := h.probe.counts()
	begun := time.Now()
	if err := h.startManager(ctx); err != nil {
		return r, err
	}
	started()
	wrote, err := h.annotate(ctx, name, "alice")
	if err != nil {
		return r, err
	}
	at, err := await(ctx, sent, "a decision written as the manager restarted", 5*time.Minute)
	if err != nil {
		return r, err
	}
	r.FlowingSeconds, r.LateSeconds = at.Sub(begun).Seconds(), at.Sub(wrote).Seconds()
	select {
	case <-time.After(settle):
	case <-ctx.Done():
		return r, ctx.Err()
	}
	after := h.probe.counts()
	r.StartExecutions = after["StartExecution"] - before["StartExecution"]
	r.DescribeExecutions = after["DescribeExecution"] - before["DescribeExecution"]
	return r, nil
}
