package main

import (
	"context"
	"fmt"
	"time"
)

// pending is the requests waiting with every token in status and no decision yet, oldest
// first.
type pending struct {
	names []string
	// within bounds the wait for one top-up's tokens.
	within time.Duration
}

// take removes the oldest pending request.
func (p *pending) take() string {
	name := p.names[0]
	p.names = p.names[1:]
	return name
}

// topUp creates requests until n are pending and returns, for each one it created, its
// create's write → the informer seeing all its tokens.
func (p *pending) topUp(ctx context.Context, h *harness, n int) ([]span, error) {
	missing := n - len(p.names)
	if missing <= 0 {
		return nil, nil
	}
	names, waits, err := h.create(ctx, missing, 16)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(p.within)
	out := make([]span, 0, len(names))
	for i, name := range names {
		at, err := await(ctx, waits[i], name+"'s tokens in status", time.Until(deadline))
		if err != nil {
			return nil, fmt.Errorf("%w (%d of %d requests had them)", err, i, len(names))
		}
		out = append(out, span{from: h.createdAt(name), to: at})
	}
	p.names = append(p.names, names...)
	return out, nil
}

// span is a measured interval.
type span struct{ from, to time.Time }

func durations(spans []span) []time.Duration {
	out := make([]time.Duration, len(spans))
	for i, s := range spans {
		out[i] = s.to.Sub(s.from)
	}
	return out
}
