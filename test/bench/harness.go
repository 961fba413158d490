package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/devenv"
)

// The bench's people: a requester, and three approvers in the approvers group.
const (
	namespace      = "bench"
	requester      = "requester@example.com"
	approversGroup = "approvers"
	probeKey       = "bench.tollgate.dev/probe"
)

var slots = []string{"alice", "bob", "carol"}

// harness is the environment under measurement: the control plane with its webhooks and the
// local endpoint (in this process), the manager (the shipped binary, a process of its own so
// that its memory and CPU are its own), and the bench's eyes on both.
type harness struct {
	env    *devenv.Env
	probe  *probe
	watch  *watcher
	admin  client.Client
	people map[string]client.Client
	binary string
	// managerArgs are flags added to the manager's (none: as it ships).
	managerArgs []string
	dir         string
	manager     *devenv.Process
	unwatch     context.CancelFunc
	// mail is the sink notifications go to (-notify; nil: notifications are not configured).
	mail    *mailSink
	seq     int
	mu      sync.Mutex
	created map[string]time.Time // request → when its create was written
}

// startHarness starts it all in dir; auditLog, when set, is where kube-apiserver logs every
// request (for -trace).
func startHarness(ctx context.Context, dir, auditLog string, managerArgs []string, notifications bool) (*harness, error) {
	h := &harness{probe: newProbe(), dir: dir, managerArgs: managerArgs, people: map[string]client.Client{}, created: map[string]time.Time{}}
	say("building the manager (cmd/main.go, as it ships)")
	bin, err := devenv.BuildManager(ctx, dir)
	if err != nil {
		return h, err
	}
	h.binary = bin
	say("starting the control plane, the webhooks and the local Step Functions endpoint (state file in %s)", dir)
	h.env, err = devenv.Start(ctx, devenv.Options{
		ControlPlane: devenv.ControlPlaneOptions{AuditLog: auditLog},
		Endpoint:     devenv.EndpointOptions{StateFile: filepath.Join(dir, "sfn-state"), Wrap: h.probe.wrap},
	})
	if err != nil {
		return nil, err
	}
	cp := h.env.ControlPlane
	h.admin = cp.Client
	team, err := cp.NewTeam(ctx, devenv.TeamOptions{Namespace: namespace, Requesters: devenv.Users(requester), Approvers: devenv.Groups(approversGroup)})
	if err != nil {
		return h, err
	}
	if h.people[requester], err = team.As(requester); err != nil {
		return h, err
	}
	for _, user := range people() {
		if h.people[user], err = team.As(user, approversGroup); err != nil {
			return h, err
		}
	}
	if notifications {
		say("notifications on: a NotificationConfig mails every approver, and the requester the end, through a local SMTP sink")
		if h.mail, err = startMailSink(ctx, h.admin); err != nil {
			return h, err
		}
	}
	watchCtx, unwatch := context.WithCancel(ctx)
	h.unwatch = unwatch
	if h.watch, err = startWatcher(watchCtx, cp.Admin, namespace, (&opener{admin: h.admin}).open); err != nil {
		return h, err
	}
	return h, h.startManager(ctx)
}

func person(slot string) string { return slot + "@example.com" }

func people() []string {
	out := make([]string, len(slots))
	for i, s := range slots {
		out[i] = person(s)
	}
	return out
}

// startManager runs a fresh manager process with the flags it ships with (and managerArgs).
func (h *harness) startManager(ctx context.Context) error {
	h.seq++
	p, err := h.env.StartManagerProcess(ctx, h.binary, devenv.ProcessOptions{Name: fmt.Sprintf("manager-%d", h.seq), Dir: h.dir, Args: h.managerArgs})
	if err != nil {
		return err
	}
	h.manager = p
	return nil
}

// stop stops the manager, the bench's watch (an open watch holds kube-apiserver's shutdown up)
// and the environment.
func (h *harness) stop() error {
	if h.unwatch != nil {
		h.unwatch()
	}
	if h.manager != nil {
		if err := h.manager.Stop(); err != nil {
			return err
		}
	}
	if err := h.mail.stop(); err != nil {
		return err
	}
	if h.env == nil {
		return nil
	}
	return h.env.Stop()
}

// create writes n requests as the requester (workers at once) and returns their names and, for
// each, when the informer sees all its tokens (watched from before the create).
func (h *harness) create(ctx context.Context, n, workers int) ([]string, []<-chan time.Time, error) {
	h.mu.Lock()
	base := len(h.created)
	h.mu.Unlock()
	names := make([]string, n)
	waits := make([]<-chan time.Time, n)
	for i := range names {
		names[i] = fmt.Sprintf("r%05d", base+i)
		waits[i] = h.watch.when(names[i], allTokens)
	}
	return names, waits, forEach(ctx, names, workers, func(name string) error {
		req := &v1.ApprovalRequest{
			ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
			Spec:       v1.ApprovalRequestSpec{Description: "bench " + name, Timeout: &metav1.Duration{Duration: 24 * time.Hour}},
		}
		for _, s := range slots {
			req.Spec.Approvers = append(req.Spec.Approvers, v1.Approver{Name: s, Users: []string{person(s)}})
		}
		h.mu.Lock()
		h.created[name] = time.Now()
		h.mu.Unlock()
		if err := h.people[requester].Create(ctx, req); err != nil {
			return fmt.Errorf("creating %s: %w", name, err)
		}
		return nil
	})
}

// createdAt is when the create of request name was sent.
func (h *harness) createdAt(name string) time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.created[name]
}

// annotate writes a decision as the slot's person and returns when the write was sent.
func (h *harness) annotate(ctx context.Context, name, slot string) (time.Time, error) {
	return h.patch(ctx, h.people[person(slot)], name, v1.DecisionAnnotationPrefix+slot, "approve")
}

// patch sets one annotation with a merge patch and returns when the write was sent.
func (h *harness) patch(ctx context.Context, c client.Client, name, key, value string) (time.Time, error) {
	body, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{key: value}}})
	if err != nil {
		return time.Time{}, err
	}
	at := time.Now()
	obj := &v1.ApprovalRequest{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name}}
	if err := c.Patch(ctx, obj, client.RawPatch("application/merge-patch+json", body)); err != nil {
		return at, fmt.Errorf("annotating %s with %s=%s: %w", name, key, value, err)
	}
	return at, nil
}

// forEach runs f on every item with workers goroutines and returns the first error.
func forEach[T any](ctx context.Context, items []T, workers int, f func(T) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	work := make(chan T)
	var wg sync.WaitGroup
	for range min(workers, len(items)) {
		wg.Go(func() {
			for it := range work {
				if err := f(it); err != nil {
					cancel(err)
				}
			}
		})
	}
feed:
	for _, it := range items {
		select {
		case work <- it:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	return context.Cause(ctx)
}

// await waits for ch or the deadline.
func await(ctx context.Context, ch <-chan time.Time, what string, within time.Duration) (time.Time, error) {
	t := time.NewTimer(within)
	defer t.Stop()
	select {
	case at := <-ch:
		return at, nil
	case <-t.C:
		return time.Time{}, fmt.Errorf("%s: not within %s", what, within)
	case <-ctx.Done():
		return time.Time{}, fmt.Errorf("%s: %w", what, ctx.Err())
	}
}

var start = time.Now()

// say prints progress with the time since the bench started.
func say(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[bench %6.1fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
}
