package controller

import (
	"hash/fnv"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// schedule remembers, per request (by UID: a recreated request starts afresh), when its
// execution is next due for DescribeExecution, how many checks in a row found it still running
// after its verdict was delivered, and how many reconciles in a row a call to Step Functions
// failed. Reconciles come often (every token, every decision) and DescribeExecution's quota is
// small (15/s in the large regions), so a reconcile looks only when the check is due, and
// backs off while it waits. A request met for the first time (new, or met by a restarted
// operator: status is the ledger) is not checked at once but within the idle period, at a
// place its UID picks (spread), so that 10,000 requests resumed together are checked evenly
// over it rather than in an 11-minute queue of DescribeExecution. A request's entry goes when
// it ends or is deleted.
type schedule struct {
	mu      sync.Mutex
	entries map[types.UID]*scheduleEntry
}

type scheduleEntry struct {
	due      time.Time
	running  int // checks in a row that found a decided execution still running
	failures int // reconciles in a row whose call to Step Functions failed
}

func (s *schedule) entry(uid types.UID) *scheduleEntry {
	if s.entries == nil {
		s.entries = map[types.UID]*scheduleEntry{}
	}
	e := s.entries[uid]
	if e == nil {
		e = &scheduleEntry{}
		s.entries[uid] = e
	}
	return e
}

// wait returns how long until uid's check is due (zero or less: check now), and false when
// none is scheduled.
func (s *schedule) wait(uid types.UID, now time.Time) (time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.entries[uid]; e != nil && !e.due.IsZero() {
		return e.due.Sub(now), true
	}
	return 0, false
}

// followed is how many requests have an entry: the executions the operator follows.
func (s *schedule) followed() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

// spread places uid's first check within period — the same place for the same request — and
// no sooner than soonest.
func spread(uid types.UID, period, soonest time.Duration) time.Duration {
	h := fnv.New32a()
	_, _ = h.Write([]byte(uid)) // a hash.Hash never fails to write
	return max(soonest, time.Duration(float64(period)*float64(h.Sum32())/(1<<32)))
}

// checkAt schedules uid's next check.
func (s *schedule) checkAt(uid types.UID, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entry(uid).due = at
}

// stillRunning counts a check that found a decided execution running, and returns how many
// in a row did (1 the first time).
func (s *schedule) stillRunning(uid types.UID) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entry(uid)
	e.running++
	return e.running
}

// failed counts a reconcile whose call to Step Functions failed and returns how many in a
// row did (1 the first time).
func (s *schedule) failed(uid types.UID) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entry(uid)
	e.failures++
	return e.failures
}

// succeeded ends a run of failures.
func (s *schedule) succeeded(uid types.UID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.entries[uid]; e != nil {
		e.failures = 0
	}
}

// forget drops a request that ended or went.
func (s *schedule) forget(uid types.UID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.entries, uid)
}

// backoff doubles base per attempt after the first, up to limit.
func backoff(base, limit time.Duration, attempt int) time.Duration {
	d := base
	for i := 1; i < attempt && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}
