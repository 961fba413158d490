package soak

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/devenv"
)

// fleet is the manager processes of the soak, oldest first: the oldest leads.
type fleet struct {
	env    *devenv.Env
	binary string
	dir    string
	args   []string
	t      *testing.T
	mu     sync.Mutex
	procs  []*devenv.Process
	seq    int
}

func (f *fleet) start(ctx context.Context) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	p, err := f.env.StartManagerProcess(ctx, f.binary, devenv.ProcessOptions{Name: fmt.Sprintf("manager-%d", f.seq), Dir: f.dir, Args: f.args})
	if err != nil {
		f.t.Fatal(err)
	}
	f.procs = append(f.procs, p)
}

// kill SIGKILLs the named process.
func (f *fleet) kill(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, p := range f.procs {
		if p.Name != name {
			continue
		}
		f.procs = append(f.procs[:i], f.procs[i+1:]...)
		if err := p.Kill(); err != nil {
			f.t.Errorf("killing %s: %v", p.Name, err)
		}
		f.t.Logf("SIGKILL %s (pid %s), the leader", p.Name, p.PID())
		return
	}
	f.t.Errorf("no process %s to kill", name)
}

// revive replaces each manager that exited because it lost its lease — the leader exits when
// it cannot renew the lease while the API server is away — as kubelet restarts a container,
// and returns how many it replaced. Any other exit is an error.
func (f *fleet) revive(ctx context.Context) int {
	f.mu.Lock()
	var lost []*devenv.Process
	alive := f.procs[:0]
	for _, p := range f.procs {
		exited, err := p.Exited()
		switch {
		case !exited:
			alive = append(alive, p)
		case f.lostLease(p):
			lost = append(lost, p)
		default:
			f.t.Errorf("%s exited on its own: %v (log %s/%s.log)", p.Name, err, f.dir, p.Name)
		}
	}
	f.procs = alive
	f.mu.Unlock()
	for _, p := range lost {
		f.t.Logf("%s lost its lease while the API server was away and exited; replaced, as kubelet would", p.Name)
		f.start(ctx)
	}
	return len(lost)
}

// lostLease reports whether a manager's log ends in "leader election lost".
func (f *fleet) lostLease(p *devenv.Process) bool {
	log, err := os.ReadFile(filepath.Join(f.dir, p.Name+".log"))
	return err == nil && bytes.Contains(log, []byte("leader election lost"))
}

func (f *fleet) stopAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.procs {
		if exited, err := p.Exited(); exited {
			f.t.Errorf("%s exited on its own: %v (log %s/%s.log)", p.Name, err, f.dir, p.Name)
			continue
		}
		if err := p.Stop(); err != nil {
			f.t.Error(err)
		}
	}
}

// recorder notes who polls the activity (GetActivityTask's workerName). Only the leader runs
// the pollers, so the last poller is the leader, and a period between two failovers in which
// anyone else polled is a standby that polled before it led.
type recorder struct {
	mu     sync.Mutex
	polls  map[string]int // this period's pollers
	last   string
	change chan struct{} // closed at the next poll
}

func newRecorder() *recorder { return &recorder{polls: map[string]int{}, change: make(chan struct{})} }

func (r *recorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if strings.HasSuffix(req.Header.Get("X-Amz-Target"), ".GetActivityTask") {
			body, _ := io.ReadAll(req.Body) // a short read is the endpoint's to answer
			req.Body = io.NopCloser(bytes.NewReader(body))
			var in struct {
				WorkerName string `json:"workerName"`
			}
			if json.Unmarshal(body, &in) == nil {
				r.mu.Lock()
				r.polls[in.WorkerName]++
				r.last = in.WorkerName
				close(r.change)
				r.change = make(chan struct{})
				r.mu.Unlock()
			}
		}
		next.ServeHTTP(w, req)
	})
}

// leader waits for a poll from a worker other than previous, and returns it.
func (r *recorder) leader(ctx context.Context, t *testing.T, previous string) string {
	for {
		r.mu.Lock()
		last, change := r.last, r.change
		r.mu.Unlock()
		if last != "" && last != previous {
			return last
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no manager took the lead after %q", previous)
		case <-change:
		}
	}
}

// period ends a period between failovers and returns who polled in it.
func (r *recorder) period() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	pollers := slices.Sorted(maps.Keys(r.polls))
	r.polls = map[string]int{}
	return pollers
}
