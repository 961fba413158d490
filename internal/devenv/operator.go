package devenv

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"time"

	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/tollgate-dev/tollgate/internal/operator"
	"github.com/tollgate-dev/tollgate/internal/sfnlocal"
	"github.com/tollgate-dev/tollgate/internal/stepfunctions"
)

// running is a manager started in the background.
type running struct {
	Manager ctrl.Manager
	cancel  context.CancelFunc
	stopped chan struct{}
	err     error
}

func run(ctx context.Context, mgr ctrl.Manager) *running {
	runCtx, cancel := context.WithCancel(ctx)
	r := &running{Manager: mgr, cancel: cancel, stopped: make(chan struct{})}
	go func() {
		r.err = mgr.Start(runCtx)
		close(r.stopped)
	}()
	return r
}

// Done is closed when the manager has returned (Err says why).
func (r *running) Done() <-chan struct{} { return r.stopped }

// Err is what the manager returned, once Done is closed.
func (r *running) Err() error { return r.err }

// Stop stops the manager and waits until it returned.
func (r *running) Stop() error {
	r.cancel()
	select {
	case <-r.stopped:
		return r.err
	case <-time.After(45 * time.Second):
		return errors.New("the manager did not stop within 45s")
	}
}

// Kill ends the manager without waiting, as a process that dies (a crash in a test).
func (r *running) Kill() { r.cancel() }

// Webhooks is tollgate's admission webhook server, as the operator serves it, on the address
// the control plane's webhook configurations name. It lives as long as the control plane:
// operators come and go in tests (restarts, crashes), the webhooks stay.
type Webhooks struct{ *running }

// StartWebhooks serves the webhooks as the operator's identity, checking version 1 records with
// legacyKey (nil: none), and returns once they answer. clock is their time (nil: the real one); an environment whose Step Functions
// runs on a fake clock gives the webhooks the same, as a cluster's clock agrees with AWS's: the
// status guard believes an Expired end only once the request's timeout has passed.
func StartWebhooks(ctx context.Context, cp *ControlPlane, legacyKey []byte, clock sfnlocal.Clock) (*Webhooks, error) {
	opts := cp.Env.WebhookInstallOptions
	mgr, err := ctrl.NewManager(cp.Operator, ctrl.Options{
		Scheme:                 cp.Scheme,
		Cache:                  operator.CacheOptions(),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		WebhookServer:          webhook.NewServer(webhook.Options{Host: opts.LocalServingHost, Port: opts.LocalServingPort, CertDir: opts.LocalServingCertDir}),
	})
	if err != nil {
		return nil, fmt.Errorf("creating the webhook manager: %w", err)
	}
	cfg := operator.NewConfig()
	cfg.Identity.LegacyKey = legacyKey
	if clock != nil {
		cfg.Clock = passiveClock{clock}
	}
	if err := operator.SetupWebhooks(ctx, mgr, cfg); err != nil {
		return nil, err
	}
	w := &Webhooks{run(ctx, mgr)}
	started := mgr.GetWebhookServer().StartedChecker()
	deadline := time.Now().Add(30 * time.Second)
	for started(&http.Request{}) != nil {
		if time.Now().After(deadline) {
			return nil, errors.Join(errors.New("the webhook server did not start within 30s"), w.Stop())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return w, nil
}

// passiveClock reads the endpoint's clock as Kubernetes' clock.PassiveClock.
type passiveClock struct{ sfnlocal.Clock }

func (c passiveClock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

// Operator is tollgate's operator (controllers, activity poller, token keeper) running as its
// own identity, wired by operator.Setup as cmd/main.go wires it.
type Operator struct {
	*running
	*operator.Parts
	Config *operator.Config
}

// OperatorOptions configure StartOperator.
type OperatorOptions struct {
	// Config starts from the flags' defaults when nil; the environment fills what it leaves
	// empty: the activity, the state machine, the endpoint and the record key.
	Config *operator.Config
	// API is how the operator reaches Step Functions; nil: the endpoint's client behind the
	// client-side rate limits the operator ships with.
	API stepfunctions.API
	// Transport, when set, wraps the operator's connection to kube-apiserver: a spec holds
	// back what its watches deliver, so that its cache lags behind its own writes as it does
	// on a loaded machine.
	Transport func(http.RoundTripper) http.RoundTripper
}

// StartOperator runs an operator until Stop (or Kill), and returns once its caches synced.
func StartOperator(ctx context.Context, cp *ControlPlane, ep *Endpoint, legacyKey []byte, o OperatorOptions) (*Operator, error) {
	cfg := o.Config
	if cfg == nil {
		cfg = operator.NewConfig()
		cfg.BindFlags(flag.NewFlagSet("operator", flag.ContinueOnError)) // the flags' defaults
	}
	if cfg.ActivityARN == "" {
		cfg.ActivityARN = ep.ActivityARN
	}
	if cfg.Lifecycle.DefaultStateMachineARN == "" {
		cfg.Lifecycle.DefaultStateMachineARN = ep.MachineARN
	}
	if cfg.AWS.EndpointURL == "" {
		cfg.AWS = ep.AWS
	}
	if len(cfg.Identity.LegacyKey) == 0 {
		cfg.Identity.LegacyKey = legacyKey
	}
	if cfg.Identity.Namespace == "" {
		cfg.Identity.Namespace = OperatorNamespace // where its admission probe writes (dry-runs)
	}
	api := o.API
	if api == nil {
		api = stepfunctions.Wrap(ep.Client, stepfunctions.NewLimiter(cfg.AWS.Limits()))
	}
	restCfg := cp.Operator
	if o.Transport != nil {
		restCfg = rest.CopyConfig(cp.Operator)
		restCfg.Wrap(o.Transport)
	}
	mgr, err := ctrl.NewManager(restCfg, ctrl.Options{
		Scheme:                 cp.Scheme,
		Cache:                  operator.CacheOptions(),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		// Tests start one operator after another in a process.
		Controller: config.Controller{SkipNameValidation: new(true)},
	})
	if err != nil {
		return nil, fmt.Errorf("creating the operator's manager: %w", err)
	}
	parts, err := operator.Setup(ctx, mgr, cfg, api)
	if err != nil {
		return nil, fmt.Errorf("setting up the operator: %w", err)
	}
	op := &Operator{running: run(ctx, mgr), Parts: parts, Config: cfg}
	syncCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if !mgr.GetCache().WaitForCacheSync(syncCtx) {
		return nil, errors.Join(errors.New("the operator's caches did not sync within 60s"), op.Stop())
	}
	return op, nil
}
