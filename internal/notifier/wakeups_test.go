package notifier

import (
	"context"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// A retry's wake-up comes when the notifier's clock reaches it, not before; a new time replaces
// the old; none comes after the manager stopped.
func TestWakeups(t *testing.T) {
	clock := clocktesting.NewFakeClock(t0)
	w := newWakeups(clock)
	key := client.ObjectKey{Namespace: "team", Name: "deploy"}
	woken := func() bool {
		select {
		case e := <-w.events:
			if e.Object.GetName() != key.Name || e.Object.GetNamespace() != key.Namespace {
				t.Errorf("woke %s/%s", e.Object.GetNamespace(), e.Object.GetName())
			}
			return true
		case <-time.After(100 * time.Millisecond):
			return false
		}
	}
	w.at(key, t0.Add(30*time.Second))
	clock.Step(29 * time.Second)
	if woken() {
		t.Fatal("woken a second early")
	}
	w.at(key, t0.Add(time.Minute)) // replaces the 30 s wake-up
	clock.Step(time.Second)
	if woken() {
		t.Fatal("woken at a time that was replaced")
	}
	clock.Step(30 * time.Second)
	if !woken() {
		t.Fatal("not woken when the time came")
	}
	w.at(key, t0) // already past: at once
	if !woken() {
		t.Fatal("not woken for a time already past")
	}

	ctx, cancel := context.WithCancel(context.Background())
	w.at(key, clock.Now().Add(time.Second))
	cancel()
	if err := w.stop(ctx); err != nil {
		t.Fatal(err)
	}
	clock.Step(time.Minute)
	if woken() {
		t.Fatal("woken after the manager stopped")
	}
}
