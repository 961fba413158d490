package controller

import (
	"errors"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// blockedStarts remembers, per request, a start Step Functions refused for the operator's
// configuration (a missing machine, permissions, credentials) and when it may be tried again.
// A reconcile woken meanwhile — by the finalizer's write, the Stalled condition's, an edit of
// the request's labels — says the same and calls nothing: a blocked request costs one
// StartExecution per --start-retry-delay however often it is reconciled.
type blockedStarts struct {
	mu sync.Mutex
	m  map[types.UID]blockedStart
}

type blockedStart struct {
	blocked
	until time.Time
}

// remember notes err when it is a blocked start, until the next attempt is due.
func (b *blockedStarts) remember(uid types.UID, err error, until time.Time) {
	var blk blocked
	if !errors.As(err, &blk) {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil {
		b.m = map[types.UID]blockedStart{}
	}
	b.m[uid] = blockedStart{blk, until}
}

// standing is the blocked start of a request whose next attempt is not due at now.
func (b *blockedStarts) standing(uid types.UID, now time.Time) (blocked, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, ok := b.m[uid]
	if !ok || !now.Before(s.until) {
		return blocked{}, false
	}
	return s.blocked, true
}

// forget drops what was noted of a request: it started, or it goes.
func (b *blockedStarts) forget(uid types.UID) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.m, uid)
}
