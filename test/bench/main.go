// Command bench measures tollgate end to end on the local control plane and the local Step
// Functions endpoint (loopback only), with the manager as it ships running as a process of its
// own, and prints the numbers as a table beside the peer's and the targets (issue 15), and as
// JSON. It exits non-zero when an asserted property of the Step Functions calls fails.
//
//	go run ./test/bench [-tiers 1,100,1000] [-samples 20] [-burst 500] [-json bin/bench.json]
//
// make bench runs it; make bench-large adds the 10,000-pending tier.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"
)

// options are the bench's flags.
type options struct {
	tiers          []int
	samples        int
	burst, writers int
	idle, settle   time.Duration
	keep           bool
	prof           *profiler
	managerArgs    []string
	trace          string
	notify         bool
}

func main() {
	var o options
	tiersFlag := flag.String("tiers", "1,100,1000", "pending requests at each tier, ascending")
	flag.IntVar(&o.samples, "samples", 20, "requests decided one decision at a time per tier (three decisions each)")
	flag.IntVar(&o.burst, "burst", 500, "decisions written at once in the burst (at most the pending requests)")
	flag.IntVar(&o.writers, "writers", 64, "goroutines writing the burst's decisions")
	flag.DurationVar(&o.idle, "idle", 30*time.Second, "how long the manager's idle CPU is measured")
	flag.DurationVar(&o.settle, "settle", 10*time.Second, "how long the restarted manager is watched for calls it should not make")
	jsonOut := flag.String("json", "bin/bench.json", "where the numbers are written as JSON")
	timeout := flag.Duration("timeout", 40*time.Minute, "the whole run's bound")
	managerArgs := flag.String("manager-args", "",
		"more flags for the manager, space-separated (to try a setting; the table's figures are for the defaults)")
	profileDir := flag.String("profile", "",
		"take CPU profiles of the manager into this directory while it creates the largest tier, passes the burst on and resumes after the restart, "+
			"and a heap profile with the largest tier pending")
	flag.StringVar(&o.trace, "trace", "",
		"write to this file, for each tier, the timeline of its median decision: every request kube-apiserver served from the decision's write to its "+
			"SendTaskSuccess (kube-apiserver then writes an audit log, which costs each request a little: take the table's figures from a run without it)")
	flag.BoolVar(&o.notify, "notify", false,
		"with notifications on: a NotificationConfig in the bench's namespace mails every approver when their token arrives, and the requester the end, "+
			"through a local SMTP sink (compare decision → SendTask with a run without)")
	flag.BoolVar(&o.keep, "keep", false, "keep the run's directory (the managers' logs, the endpoint's state file) and say where")
	flag.Parse()
	ctrl.SetLogger(logr.Discard())
	var err error
	if o.tiers, err = parseTiers(*tiersFlag); err != nil {
		fail(2, err)
	}
	o.managerArgs = strings.Fields(*managerArgs)
	if o.prof, err = newProfiler(*profileDir); err != nil {
		fail(1, err)
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	ctx, cancelRun := context.WithTimeout(ctx, *timeout)
	defer cancelRun()
	r, err := run(ctx, o)
	if err != nil {
		fail(1, err)
	}
	if err := r.table(os.Stdout); err != nil {
		fail(1, err)
	}
	if err := r.writeJSON(*jsonOut); err != nil {
		fail(1, fmt.Errorf("writing the JSON: %w", err))
	}
	say("the same numbers as JSON: %s", *jsonOut)
	for _, c := range r.Checks {
		if !c.OK {
			os.Exit(1)
		}
	}
}

// fail ends the bench with a message on stderr.
func fail(code int, err error) {
	say("bench: %v", err)
	os.Exit(code)
}

func parseTiers(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || len(out) > 0 && n <= out[len(out)-1] {
			return nil, fmt.Errorf("-tiers %q: want ascending positive numbers, like 1,100,1000", s)
		}
		out = append(out, n)
	}
	return out, nil
}

func run(ctx context.Context, o options) (r *results, err error) {
	r = &results{Machine: thisMachine()}
	dir, err := os.MkdirTemp("", "tollgate-bench-")
	if err != nil {
		return nil, err
	}
	if o.keep {
		defer say("kept the managers' logs and the endpoint's state in %s", dir)
	} else {
		defer func() {
			if rmErr := os.RemoveAll(dir); err == nil && rmErr != nil {
				err = rmErr
			}
		}()
	}
	prof := o.prof
	audit := ""
	if o.trace != "" {
		audit = filepath.Join(dir, "audit.log")
	}
	h, err := startHarness(ctx, dir, audit, append(prof.args(), o.managerArgs...), o.notify)
	defer func() {
		if stopErr := h.stop(); err == nil && stopErr != nil {
			err = stopErr
		}
	}()
	if err != nil {
		return nil, err
	}
	pool := &pending{within: 20 * time.Minute}
	var approved []string
	for i, n := range o.tiers {
		if i == len(o.tiers)-1 {
			prof.cpu(ctx, fmt.Sprintf("create-%d", n), 30*time.Second)
		}
		t, err := h.runTier(ctx, pool, n, min(o.samples, n))
		if err != nil {
			return nil, fmt.Errorf("tier %d: %w", n, err)
		}
		if i == len(o.tiers)-1 {
			prof.heap(ctx, fmt.Sprintf("pending-%d", n))
		}
		approved = append(approved, t.approved...)
		r.Tiers = append(r.Tiers, t)
	}
	say("idle: %d requests pending, the manager's CPU measured for %s", len(pool.names), o.idle)
	if r.IdleCPU, err = h.idleCPU(ctx, o.idle); err != nil {
		return nil, err
	}
	r.IdleOver = o.idle.Seconds()
	prof.cpu(ctx, "burst", 20*time.Second)
	if r.Burst, err = h.runBurst(ctx, pool.names[:min(o.burst, len(pool.names)-1)], o.writers); err != nil {
		return nil, err
	}
	pool.names = pool.names[r.Burst.Decisions:] // alice decided: their bob and carol still wait
	prof.wait()                                 // before the manager it profiles stops
	if r.Restart, err = h.runRestart(ctx, pool, o.settle, func() { prof.cpu(ctx, "restart", 10*time.Second) }); err != nil {
		return nil, err
	}
	h.mu.Lock()
	created := len(h.created)
	h.mu.Unlock()
	prof.wait()
	r.Calls = h.countCalls(approved, created)
	r.Checks = append(r.Calls.checks(len(slots)),
		check{"no StartExecution while resuming", r.Restart.StartExecutions == 0, fmt.Sprint(r.Restart.StartExecutions)})
	if o.notify {
		r.Mails = h.mail.received()
		r.Checks = append(r.Checks, check{"notifications on: mails received by the sink", r.Mails > 0, fmt.Sprint(r.Mails)})
	}
	r.Seconds = time.Since(start).Seconds()
	if o.trace != "" {
		if err := writeTrace(o.trace, audit, r.Tiers); err != nil {
			return nil, fmt.Errorf("writing the trace: %w", err)
		}
		say("the timeline of each tier's median decision: %s", o.trace)
	}
	return r, nil
}

// idleCPU is the manager's CPU over a quiet period, as a share of one core.
func (h *harness) idleCPU(ctx context.Context, over time.Duration) (float64, error) {
	from, err := readUsage(h.manager.PID())
	if err != nil {
		return 0, err
	}
	select {
	case <-time.After(over):
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	to, err := readUsage(h.manager.PID())
	return cpuShare(from, to), err
}
