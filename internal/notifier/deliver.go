package notifier

import (
	"context"
	"fmt"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/ledger"
	"github.com/tollgate-dev/tollgate/internal/notify"
)

// maxSending bounds the notices of one request sent at once (each sends to all its channels
// at once): a request of 40 slots whose tokens arrived together does not open 80 connections.
const maxSending = 8

// carryOut claims the plans' attempts, makes the claimed ones, records their outcomes and
// announces them. It returns when the request should be looked at again (zero: never).
func (w *Watcher) carryOut(ctx context.Context, obj *v1.ApprovalRequest, plans []plan) (time.Time, error) {
	var next time.Time
	var claims []ledger.Note
	for _, p := range plans {
		w.unreached(obj, p)
		next = earliest(next, p.next)
		claims = append(claims, p.claims...)
		if p.unrouted != nil {
			claims = append(claims, *p.unrouted)
		}
	}
	if len(claims) == 0 {
		return next, nil
	}
	key := client.ObjectKeyFromObject(obj)
	claimed, stored, err := ledger.RecordNotified(ctx, w.Client, w.Reader, obj, claims, true)
	if err != nil {
		return next, fmt.Errorf("claiming the notifications of %s: %w", key, err)
	}
	if len(claimed) == 0 {
		return next, nil // another pass claimed them: its write queues this request again
	}
	sending := make([]sendingPlan, 0, len(plans))
	for _, p := range plans {
		if p.unrouted != nil && holds(claimed, *p.unrouted) {
			next = earliest(next, at(p.unrouted.Record.NextAttemptAt))
			w.unrouted(obj, p)
		}
		s := sendingPlan{plan: p}
		for i, d := range p.deliveries {
			if holds(claimed, p.claims[i]) {
				s.deliveries = append(s.deliveries, d)
			}
		}
		if len(s.deliveries) > 0 {
			sending = append(sending, s)
		}
	}
	w.send(ctx, sending)
	var outcomes []ledger.Note
	for _, s := range sending {
		for _, r := range s.results {
			outcomes = append(outcomes, outcome(s.slot, r))
			next = earliest(next, r.Retry)
		}
	}
	_, _, err = ledger.RecordNotified(ctx, w.Client, w.Reader, stored, outcomes, false)
	w.announce(obj, sending)
	if err != nil {
		// The claims stay: each attempt waits for its retry's time, as after a restart.
		return next, fmt.Errorf("recording the notifications of %s: %w", key, err)
	}
	return next, nil
}

// sendingPlan is a plan's claimed attempts, and their results once made.
type sendingPlan struct {
	plan
	deliveries []notify.Delivery
	results    []notify.Result
}

// send makes the attempts, maxSending notices at a time.
func (w *Watcher) send(ctx context.Context, sending []sendingPlan) {
	slots := make(chan struct{}, maxSending)
	var wg sync.WaitGroup
	for i := range sending {
		s := &sending[i]
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			s.results = w.Notifier.Send(ctx, s.msg, s.deliveries)
		})
	}
	wg.Wait()
}

// holds reports whether the ledger wrote note.
func holds(written []ledger.Note, note ledger.Note) bool {
	for _, n := range written {
		if n.Slot == note.Slot && n.Record.Route == note.Record.Route && n.Record.Channel == note.Record.Channel {
			return true
		}
	}
	return false
}

// at is an optional time, zero when unset.
func at(t *metav1.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.Time
}
