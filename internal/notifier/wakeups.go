package notifier

import (
	"context"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
)

// wakeups queue an object again when its time comes (a request when its next attempt falls due,
// a config when its next check does), by the notifier's clock (a test's fake clock fires them as
// it is stepped; a workqueue's delay would wait in real time). One timer per object: a new time
// replaces the old.
type wakeups struct {
	clock  clock.WithDelayedExecution
	events chan event.GenericEvent
	// done is closed when the manager stops: no wake-up is waited for or sent after it.
	done chan struct{}

	mu     sync.Mutex
	timers map[client.ObjectKey]wakeup
	closed bool
}

type wakeup struct {
	at    time.Time
	timer clock.Timer
}

func newWakeups(c clock.WithDelayedExecution) *wakeups {
	return &wakeups{clock: c, events: make(chan event.GenericEvent), done: make(chan struct{}), timers: map[client.ObjectKey]wakeup{}}
}

// stop drops every timer once ctx ends (the manager stops), and the wake-ups under way.
func (w *wakeups) stop(ctx context.Context) error {
	<-ctx.Done()
	w.mu.Lock()
	defer w.mu.Unlock()
	for key, t := range w.timers {
		t.timer.Stop()
		delete(w.timers, key)
	}
	w.closed = true
	close(w.done)
	return nil
}

// at queues key again at t (zero: never, and any earlier time is dropped).
func (w *wakeups) at(key client.ObjectKey, t time.Time) {
	now := w.clock.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	if old, ok := w.timers[key]; ok {
		if old.at.Equal(t) {
			return
		}
		old.timer.Stop()
		delete(w.timers, key)
	}
	if t.IsZero() || w.closed {
		return
	}
	if !t.After(now) {
		go w.fire(key, t)
		return
	}
	// A fake clock runs the function while it holds its own lock: fire takes ours elsewhere.
	w.timers[key] = wakeup{at: t, timer: w.clock.AfterFunc(t.Sub(now), func() { go w.fire(key, t) })}
}

// fire queues key, unless its time was replaced meanwhile.
func (w *wakeups) fire(key client.ObjectKey, t time.Time) {
	w.mu.Lock()
	if cur, ok := w.timers[key]; ok {
		if !cur.at.Equal(t) {
			w.mu.Unlock()
			return
		}
		delete(w.timers, key)
	}
	w.mu.Unlock()
	// The object carries only the key: the watcher wakes requests, the config checker configs.
	obj := &metav1.PartialObjectMetadata{}
	obj.Namespace, obj.Name = key.Namespace, key.Name
	select {
	case w.events <- event.GenericEvent{Object: obj}:
	case <-w.done:
	}
}
