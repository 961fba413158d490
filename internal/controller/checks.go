package controller

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// checkSchedule remembers, per request, when its execution is next due for DescribeExecution.
// Reconciles come often (every token, every decision) and DescribeExecution's quota is small
// (15/s in the large regions), so a reconcile looks only when the check is due. A restarted
// operator has no schedule and checks each pending request once: that is the recovery path.
type checkSchedule struct {
	mu  sync.Mutex
	due map[types.NamespacedName]time.Time
}

// wait returns how long until key's check is due (zero or less: check now).
func (c *checkSchedule) wait(key types.NamespacedName, now time.Time) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	at, ok := c.due[key]
	if !ok {
		return 0
	}
	return at.Sub(now)
}

// set schedules key's next check.
func (c *checkSchedule) set(key types.NamespacedName, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.due == nil {
		c.due = map[types.NamespacedName]time.Time{}
	}
	c.due[key] = at
}

// forget drops a decided request.
func (c *checkSchedule) forget(key types.NamespacedName) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.due, key)
}
