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
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"
)

func main() {
	tiersFlag := flag.String("tiers", "1,100,1000", "pending requests at each tier, ascending")
	samples := flag.Int("samples", 20, "requests decided one decision at a time per tier (three decisions each)")
	burstN := flag.Int("burst", 500, "decisions written at once in the burst (at most the pending requests)")
	writers := flag.Int("writers", 64, "goroutines writing the burst's decisions")
	idle := flag.Duration("idle", 30*time.Second, "how long the manager's idle CPU is measured")
	settle := flag.Duration("settle", 10*time.Second, "how long the restarted manager is watched for calls it should not make")
	jsonOut := flag.String("json", "bin/bench.json", "where the numbers are written as JSON")
	timeout := flag.Duration("timeout", 40*time.Minute, "the whole run's bound")
	managerArgs := flag.String("manager-args", "", "more flags for the manager, space-separated (to try a setting; the table's figures are for the defaults)")
	profileDir := flag.String("profile", "", "take CPU profiles of the manager into this directory while it creates the largest tier and passes the burst on")
	keep := flag.Bool("keep", false, "keep the run's directory (the managers' logs, the endpoint's state file) and say where")
	flag.Parse()
	ctrl.SetLogger(logr.Discard())
	tiers, err := parseTiers(*tiersFlag)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	ctx, cancelRun := context.WithTimeout(ctx, *timeout)
	defer cancelRun()
	prof, err := newProfiler(*profileDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	r, err := run(ctx, tiers, *samples, *burstN, *writers, *idle, *settle, *keep, prof, strings.Fields(*managerArgs))
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	r.table(os.Stdout)
	if err := r.writeJSON(*jsonOut); err != nil {
		fmt.Fprintln(os.Stderr, "bench: writing the JSON:", err)
		os.Exit(1)
	}
	fmt.Printf("\nthe same numbers as JSON: %s\n", *jsonOut)
	for _, c := range r.Checks {
		if !c.OK {
			os.Exit(1)
		}
	}
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

func run(ctx context.Context, tierSizes []int, samples, burstN, writers int, idle, settle time.Duration, keep bool, prof *profiler, managerArgs []string) (r *results, err error) {
	r = &results{Machine: thisMachine()}
	dir, err := os.MkdirTemp("", "tollgate-bench-")
	if err != nil {
		return nil, err
	}
	if keep {
		defer say("kept the managers' logs and the endpoint's state in %s", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	h, err := startHarness(ctx, dir, append(prof.args(), managerArgs...))
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
	for i, n := range tierSizes {
		if i == len(tierSizes)-1 {
			prof.cpu(ctx, fmt.Sprintf("create-%d", n), 30*time.Second)
		}
		t, err := h.runTier(ctx, pool, n, min(samples, n))
		if err != nil {
			return nil, fmt.Errorf("tier %d: %w", n, err)
		}
		approved = append(approved, t.approved...)
		r.Tiers = append(r.Tiers, t)
	}
	say("idle: %d requests pending, the manager's CPU measured for %s", len(pool.names), idle)
	if r.IdleCPU, err = h.idleCPU(ctx, idle); err != nil {
		return nil, err
	}
	r.IdleOver = idle.Seconds()
	prof.cpu(ctx, "burst", 20*time.Second)
	if r.Burst, err = h.runBurst(ctx, pool.names[:min(burstN, len(pool.names)-1)], writers); err != nil {
		return nil, err
	}
	pool.names = pool.names[r.Burst.Decisions:] // alice decided: their bob and carol still wait
	prof.wait()                                 // before the manager it profiles stops
	if r.Restart, err = h.runRestart(ctx, pool, settle); err != nil {
		return nil, err
	}
	h.mu.Lock()
	created := len(h.created)
	h.mu.Unlock()
	r.Calls = h.countCalls(approved, created)
	r.Checks = append(r.Calls.checks(len(slots)),
		check{"no StartExecution while resuming", r.Restart.StartExecutions == 0, fmt.Sprint(r.Restart.StartExecutions)})
	r.Seconds = time.Since(start).Seconds()
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
