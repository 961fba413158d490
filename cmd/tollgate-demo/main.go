// Command tollgate-demo runs tollgate end to end on one machine, with nothing to install: a
// local control plane (kube-apiserver + etcd, controller-runtime's envtest), tollgate's local
// Step Functions endpoint, and the operator, all started and stopped by this one process.
//
//	make demo                      # interactive: decide the sample request with kubectl
//	make demo DEMO_FLAGS=--play    # plays the seed's scenarios by itself, exits non-zero on a surprise
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/tollgate-dev/tollgate/internal/devenv"
)

type options struct {
	play         bool
	stateDir     string
	assets       string
	samplesDir   string
	sample       string
	sfnListen    string
	tokenTimeout time.Duration
}

func main() {
	o := options{}
	flag.BoolVar(&o.play, "play", false,
		"play the scenarios (all approve; one rejects; two of three) by itself, print the results and exit (non-zero if any outcome is unexpected)")
	flag.StringVar(&o.stateDir, "state-dir", ".demo",
		"where the demo keeps etcd's data, the Step Functions state, the kubeconfig and the logs (--play uses <state-dir>/play, wiped each run)")
	flag.StringVar(&o.assets, "assets", os.Getenv("KUBEBUILDER_ASSETS"),
		"directory with kube-apiserver, etcd and kubectl (default $KUBEBUILDER_ASSETS, else the per-user directory `make envtest-assets` builds)")
	flag.StringVar(&o.samplesDir, "samples", "config/samples", "directory of the sample manifests")
	flag.StringVar(&o.sample, "sample", "approvals_v1alpha1_approvalrequest.yaml", "the request the interactive demo creates (in --samples)")
	flag.StringVar(&o.sfnListen, "sfn-listen", "127.0.0.1:8083", "address of the local Step Functions endpoint (a free 127.0.0.1 port if taken)")
	flag.DurationVar(&o.tokenTimeout, "token-timeout", 60*time.Second, "how long to wait for the operator to hold every approver's task token")
	flag.Parse()

	// `make demo | tee out` loses tee on Ctrl-C too: printing must not kill the demo halfway
	// through its cleanup (leaving kube-apiserver and etcd behind).
	signal.Ignore(syscall.SIGPIPE)
	ctx, cancel := context.WithCancel(context.Background())
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-signals
		say("got %s: shutting down (a few seconds)", s)
		cancel()
		for s := range signals {
			say("got %s again: still cleaning up, please wait so no kube-apiserver/etcd is left behind", s)
		}
	}()

	code := run(ctx, o)
	os.Exit(code)
}

// cleanups run in reverse order, whatever happened.
type cleanups []func() error

func (c *cleanups) add(f func() error) { *c = append(*c, f) }

func (c cleanups) run() error {
	var errs []error
	for _, f := range slices.Backward(c) {
		errs = append(errs, f())
	}
	return errors.Join(errs...)
}

func run(ctx context.Context, o options) (code int) {
	if err := o.resolve(); err != nil {
		say("ERROR %v", err)
		return 2
	}
	if err := endLeftovers(o.runDir()); err != nil {
		say("ERROR %v", err)
		return 2
	}
	if err := o.freshState(); err != nil {
		say("ERROR %v", err)
		return 2
	}
	var done cleanups
	defer func() {
		if err := done.run(); err != nil {
			say("ERROR while cleaning up: %v", err)
			code = max(code, 1)
			return
		}
		say("cleaned up: operator, Step Functions endpoint and control plane stopped; nothing left running")
		if !o.play {
			say("the cluster and the executions are kept in %s: the next `make demo` continues from them (rm -rf %s for a fresh start)", o.stateDir, o.stateDir)
		}
	}()
	if err := runDemo(ctx, o, &done); err != nil {
		if ctx.Err() != nil {
			if o.play {
				return 130 // the scenarios were cut short
			}
			return 0 // Ctrl-C is how the interactive demo ends
		}
		say("ERROR %v", err)
		say("  logs: %s", o.stateDir)
		return 1
	}
	return 0
}

// resolve makes every path absolute and finds the control plane binaries.
func (o *options) resolve() error {
	if o.assets != "" {
		if err := os.Setenv("KUBEBUILDER_ASSETS", o.assets); err != nil {
			return err
		}
	}
	if _, err := devenv.Assets(); err != nil {
		return err
	}
	for _, p := range []*string{&o.stateDir, &o.samplesDir} {
		abs, err := filepath.Abs(*p)
		if err != nil {
			return err
		}
		*p = abs
	}
	if o.play {
		o.stateDir = filepath.Join(o.stateDir, "play")
	}
	return nil
}

// runDir is where the control plane records the processes it starts (internal/devenv), so
// that the next demo ends them if this one is killed.
func (o *options) runDir() string { return filepath.Join(o.stateDir, "run") }

// freshState creates the state directory; --play's is wiped first (each play starts afresh).
func (o *options) freshState() error {
	if o.play {
		if err := os.RemoveAll(o.stateDir); err != nil {
			return fmt.Errorf("wiping %s: %w", o.stateDir, err)
		}
	}
	return os.MkdirAll(o.stateDir, 0o700)
}
