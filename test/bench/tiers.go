package main

import (
	"context"
	"fmt"
	"time"
)

// tier is what the bench measures with a number of requests pending (each with three
// approvers, every token in status).
type tier struct {
	Pending int `json:"pending"`
	// Floor: an annotation written on a request → the bench's bare informer seeing it.
	Floor stats `json:"floor"`
	// Decision: a decision's write → its SendTaskSuccess applied at the endpoint.
	Decision stats `json:"decision_to_sendtask"`
	// Outcome: the last decision's write → the informer seeing Approved=True.
	Outcome stats `json:"decision_to_outcome"`
	// Tokens: a request's create → the informer seeing every approver's token in status.
	Tokens stats `json:"creation_to_tokens"`
	// Manager is the manager process once the tier is pending.
	Manager  managerUsage `json:"manager"`
	approved []string
	spans    []timedDecision // the decisions timed, for -trace
	webhooks []string        // what kube-apiserver waited on each admission webhook meanwhile, for -trace
}

type managerUsage struct {
	RSSMiB     float64 `json:"rss_mib"`
	PeakRSSMiB float64 `json:"peak_rss_mib"`
	// CPU is the CPU time the manager spent bringing the tier's new requests to pending.
	CPUSeconds float64 `json:"cpu_seconds_topping_up"`
}

// runTier tops the pending requests up to n and decides samples of them one after the other
// (three decisions each, the last one timed to the outcome), topping up again before each.
func (h *harness) runTier(ctx context.Context, pool *pending, n, samples int) (tier, error) {
	t := tier{Pending: n}
	before, err := readUsage(h.manager.PID())
	if err != nil {
		return t, err
	}
	say("tier %d: creating requests until %d are pending (each: an execution, three tokens in status)", n, n)
	created, err := pool.topUp(ctx, h, n)
	if err != nil {
		return t, err
	}
	tokens := durations(created)
	after, err := readUsage(h.manager.PID())
	if err != nil {
		return t, err
	}
	t.Manager = managerUsage{RSSMiB: mib(after.rss), PeakRSSMiB: mib(after.peakRSS), CPUSeconds: (after.cpu - before.cpu).Seconds()}
	say("tier %d: %d pending; manager RSS %.0f MiB; deciding %d of them one decision at a time", n, n, t.Manager.RSSMiB, samples)
	var floor, decision, outcome []time.Duration
	hooksBefore, err := webhookTimes(ctx, h.env.ControlPlane.Admin)
	if err != nil {
		return t, err
	}
	for i := range samples {
		if i > 0 {
			more, err := pool.topUp(ctx, h, n)
			if err != nil {
				return t, err
			}
			tokens = append(tokens, durations(more)...)
		}
		name := pool.take()
		f, d, o, err := h.sample(ctx, name, i)
		if err != nil {
			return t, err
		}
		floor, outcome = append(floor, f), append(outcome, o)
		for _, s := range d {
			decision = append(decision, s.took())
		}
		t.spans = append(t.spans, d...)
		t.approved = append(t.approved, name)
	}
	t.Floor, t.Decision, t.Outcome, t.Tokens = summarize(floor), summarize(decision), summarize(outcome), summarize(tokens)
	hooksAfter, err := webhookTimes(ctx, h.env.ControlPlane.Admin)
	t.webhooks = webhookMeans(hooksBefore, hooksAfter)
	return t, err
}

// quietFor is how long a request must have been unchanged before the bench decides on it.
const quietFor = 250 * time.Millisecond

// sample measures the floor on a pending request, then decides its three slots one after the
// other: each decision's write → SendTaskSuccess, and the last one's write → Approved.
func (h *harness) sample(ctx context.Context, name string, i int) (floor time.Duration, decisions []timedDecision, outcome time.Duration, err error) {
	value := fmt.Sprint(i)
	seen := h.watch.when(name, annotated(probeKey, value))
	wrote, err := h.patch(ctx, h.admin, name, probeKey, value)
	if err != nil {
		return 0, nil, 0, err
	}
	at, err := await(ctx, seen, "the informer seeing "+name+"'s probe annotation", time.Minute)
	if err != nil {
		return 0, nil, 0, err
	}
	floor = at.Sub(wrote)
	for j, slot := range slots {
		// One decision at a time: on a request the operator is done writing (after the probe,
		// after the previous decision's delivery and its status), as people decide.
		if err := h.watch.quiet(ctx, name, quietFor); err != nil {
			return 0, nil, 0, err
		}
		sent := h.probe.sentCh(token(h.watch.get(name), slot))
		var done <-chan time.Time
		if j == len(slots)-1 {
			done = h.watch.when(name, approved)
		}
		wrote, err := h.annotate(ctx, name, slot)
		if err != nil {
			return 0, nil, 0, err
		}
		at, err := await(ctx, sent, name+"/"+slot+"'s SendTaskSuccess", 2*time.Minute)
		if err != nil {
			return 0, nil, 0, err
		}
		decisions = append(decisions, timedDecision{name: name, slot: slot, wrote: wrote, sent: at})
		if done != nil {
			at, err := await(ctx, done, name+" Approved", 2*time.Minute)
			if err != nil {
				return 0, nil, 0, err
			}
			outcome = at.Sub(wrote)
		}
	}
	return floor, decisions, outcome, nil
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }
