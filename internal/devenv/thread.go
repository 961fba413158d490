package devenv

import (
	"runtime"
	"sync"
)

// heldThread runs functions on one OS thread, kept until release. A child started with a
// parent-death signal (launch_linux.go) is sent it when the thread that started it ends, not
// the process (golang.org/issue/27505), and Go ends a thread when a goroutine locked to it
// returns: a child started on a held thread, and released only once it has stopped, dies with
// this process and not before.
type heldThread struct {
	run     chan func()
	release func()
}

// holdThread locks a new goroutine to its thread until release.
func holdThread() *heldThread {
	t := &heldThread{run: make(chan func())}
	t.release = sync.OnceFunc(func() { close(t.run) })
	go func() {
		runtime.LockOSThread()
		for f := range t.run {
			f()
		}
		// Unlocked, the thread goes back to Go's pool instead of ending: nothing it started
		// runs any more, but there is no need to end it.
		runtime.UnlockOSThread()
	}()
	return t
}

// do runs f on the held thread and returns when f has.
func (t *heldThread) do(f func()) {
	done := make(chan struct{})
	t.run <- func() {
		defer close(done)
		f()
	}
	<-done
}
