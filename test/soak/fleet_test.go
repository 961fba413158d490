package soak

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

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

func (f *fleet) start(ctx context.Context) *devenv.Process {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	p, err := f.env.StartManagerProcess(ctx, f.binary, devenv.ProcessOptions{Name: fmt.Sprintf("manager-%d", f.seq), Dir: f.dir, Args: f.args})
	if err != nil {
		f.t.Fatal(err)
	}
	f.procs = append(f.procs, p)
	return p
}

// killOldest SIGKILLs the leader.
func (f *fleet) killOldest() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.procs) == 0 {
		return
	}
	p := f.procs[0]
	f.procs = f.procs[1:]
	if err := p.Kill(); err != nil {
		f.t.Errorf("killing %s: %v", p.Name, err)
	}
	f.t.Logf("SIGKILL %s (pid %s), the leader", p.Name, p.PID())
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

// waitLeader waits until a manager holds the leader election lease.
func waitLeader(ctx context.Context, t *testing.T, c client.Client) {
	for {
		lease := &coordinationv1.Lease{}
		err := c.Get(ctx, client.ObjectKey{Namespace: devenv.OperatorNamespace, Name: "tollgate.approvals.tollgate.dev"}, lease)
		if err == nil && lease.Spec.HolderIdentity != nil && *lease.Spec.HolderIdentity != "" {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatal("no manager became the leader")
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// recorder notes who polls the activity (GetActivityTask's workerName).
type recorder struct {
	mu                sync.Mutex
	polls             map[string]int
	pollersBeforeLead int
}

func newRecorder() *recorder { return &recorder{polls: map[string]int{}} }

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
				r.mu.Unlock()
			}
		}
		next.ServeHTTP(w, req)
	})
}

// pollersOf counts the polls of a worker; a standby that polled is counted as polling before
// it led.
func (r *recorder) pollersOf(worker string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.polls[worker]
	r.pollersBeforeLead += n
	return n
}
