// Package operator wires tollgate's parts into a controller-runtime manager: the Step Functions
// client (rate-limited and instrumented), the activity worker, the token keeper and the
// controllers. cmd/main.go, the demo and the end-to-end tests all start the operator this way.
package operator

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/admission"
	"github.com/tollgate-dev/tollgate/internal/approval"
	"github.com/tollgate-dev/tollgate/internal/controller"
	"github.com/tollgate-dev/tollgate/internal/metrics"
	"github.com/tollgate-dev/tollgate/internal/stepfunctions"
)

// Config is the operator's Step Functions side, as flags.
type Config struct {
	AWS stepfunctions.Config
	// ActivityARN is the approval activity this installation works.
	ActivityARN string
	// WorkerName identifies this worker to Step Functions (the pod name by default).
	WorkerName string
	Lifecycle  controller.Options
	Identity   IdentityConfig
	// Clock is the operator's time: expiry, follow delays, timestamps (nil: the real clock;
	// tests move a fake one).
	Clock clock.PassiveClock
	// Poller and Heartbeats carry their own flags (worker count, heartbeat interval); Setup
	// completes and starts them.
	Poller     *stepfunctions.Poller
	Heartbeats *stepfunctions.Heartbeater
	// AdmissionProbeInterval is how often the operator tries its admission with a forged write
	// (a dry-run) once it passed.
	AdmissionProbeInterval time.Duration
	// LegacyCheckInterval is how often the operator looks whether the legacy record key is still
	// needed, while it is kept (RetireLegacyKey).
	LegacyCheckInterval time.Duration
	// TokenKeySecret names the Secret (in Identity.Namespace) with the keys that seal task
	// tokens in status; the operator creates it when it is missing.
	TokenKeySecret string
	// Admission, when set, replaces the watch of tollgate's own admission (admission.Monitor):
	// a spec of the ledger's own checks trusts whatever it finds.
	Admission controller.Admission
	// PolicyEnforcement says which namespaces require their requests to reference a GatePolicy
	// where the namespace's label does not say (--policy-enforcement; read by the webhooks).
	PolicyEnforcement string
	// Notifications configure the notifier (notifications.go).
	Notifications NotificationOptions
}

// NewConfig returns a Config ready for BindFlags.
func NewConfig() *Config {
	return &Config{Poller: &stepfunctions.Poller{}, Heartbeats: &stepfunctions.Heartbeater{}}
}

// BindFlags registers the operator's flags.
func (c *Config) BindFlags(fs *flag.FlagSet) {
	c.AWS.BindFlags(fs)
	c.Identity.BindFlags(fs)
	c.Poller.BindFlags(fs)
	c.Heartbeats.BindFlags(fs)
	c.Notifications.bindFlags(fs)
	fs.StringVar(&c.ActivityARN, "activity-arn", "", "ARN of the approval activity this installation works (GetActivityTask). One activity belongs to one installation.")
	fs.StringVar(&c.Lifecycle.DefaultStateMachineARN, "state-machine-arn", "", "Default approval state machine for requests without spec.stateMachineARN.")
	fs.StringVar(&c.Lifecycle.ClusterID, "cluster-id", "", "Identity of this installation written into every execution input (default: the UID of the kube-system namespace).")
	fs.StringVar(&c.WorkerName, "worker-name", os.Getenv("POD_NAME"), "Worker name reported to GetActivityTask (default: $POD_NAME, else the host name).")
	fs.IntVar(&c.Lifecycle.HeartbeatSeconds, "task-heartbeat-seconds", defaultLifecycle.HeartbeatSeconds, "Heartbeat timeout the shipped state machine gives each approver task (execution input tollgate.heartbeatSeconds); --heartbeat-interval must be at most half of it. It is also how long a task token lost in a crash (received, not yet recorded) waits to be re-issued.")
	fs.DurationVar(&c.Lifecycle.MinFollowDelay, "min-follow-delay", defaultLifecycle.MinFollowDelay, "How soon a finishing execution is checked again (DescribeExecution).")
	fs.DurationVar(&c.Lifecycle.IdleFollowDelay, "idle-follow-delay", defaultLifecycle.IdleFollowDelay, "How often a waiting execution is checked for recovery (outcomes normally arrive as activity tasks).")
	fs.Float64Var(&c.Lifecycle.IdleChecksPerSecond, "idle-checks-per-second", defaultLifecycle.IdleChecksPerSecond, "At most this many DescribeExecution calls per second for those checks: with many requests pending, each is checked less often than --idle-follow-delay (the default is a fifth of DescribeExecution's 15/s quota).")
	fs.DurationVar(&c.Lifecycle.StartRetryDelay, "start-retry-delay", defaultLifecycle.StartRetryDelay, "How often a request that Step Functions refused for a configuration reason (missing state machine, permissions, credentials) is tried again.")
	fs.DurationVar(&c.Lifecycle.MinRetryDelay, "min-retry-delay", defaultLifecycle.MinRetryDelay, "First delay before a request is reconciled again after a call to Step Functions failed (throttling, 5xx, no answer); it doubles with each failure in a row.")
	fs.DurationVar(&c.Lifecycle.MaxRetryDelay, "max-retry-delay", defaultLifecycle.MaxRetryDelay, "Longest delay between retries after failed calls to Step Functions.")
	fs.IntVar(&c.Lifecycle.MaxConcurrentReconciles, "max-concurrent-reconciles", defaultLifecycle.MaxConcurrentReconciles, "How many ApprovalRequests are reconciled at once.")
	fs.DurationVar(&c.AdmissionProbeInterval, "admission-probe-interval", 5*time.Minute, "How often the operator checks that tollgate's admission refuses a forged write (server-side dry-runs in --namespace); while it does not, decisions are held. Its webhook configurations are watched all the time.")
	fs.StringVar(&c.PolicyEnforcement, "policy-enforcement", string(approval.EnforceLabelled), "Which namespaces require their ApprovalRequests to reference a GatePolicy, where the namespace's label "+v1.RequirePolicyLabel+
		" (true or false) does not say: \"everywhere\" (what a new installation ships) or \"labelled\" (only namespaces labelled true: what an upgrade keeps until an administrator turns enforcement on). See docs/policies.md.")
	fs.StringVar(&c.TokenKeySecret, "token-key-secret", DefaultTokenKeySecret, "Secret (in --namespace) holding the keys that seal task tokens in status, so that no reader of a request can spend them. Created with a random key when missing; rotate by adding the next numeric key id and restarting the operator.")
	fs.DurationVar(&c.Lifecycle.ExpiryGrace, "expiry-grace", defaultLifecycle.ExpiryGrace, "How long after a request's timeout the operator stops an execution the state machine did not expire itself.")
}

// defaultLifecycle holds the lifecycle's defaults, for the flags and for Configs built by hand.
var defaultLifecycle = controller.Options{
	// An hour: room for heartbeats every 20 minutes (stepfunctions.DefaultHeartbeatInterval).
	// It is also how long a token lost in a crash (received, not yet recorded) waits to be
	// re-issued.
	HeartbeatSeconds:        3600,
	MinFollowDelay:          time.Second,
	IdleFollowDelay:         5 * time.Minute,
	IdleChecksPerSecond:     3,
	ExpiryGrace:             30 * time.Second,
	StartRetryDelay:         time.Minute,
	MinRetryDelay:           time.Second,
	MaxRetryDelay:           5 * time.Minute,
	MaxConcurrentReconciles: 8,
}

// Defaults fills what flags leave open; tests that build a Config by hand call it too.
func (c *Config) Defaults() {
	l, d := &c.Lifecycle, defaultLifecycle
	orDefault(&l.HeartbeatSeconds, d.HeartbeatSeconds)
	orDefault(&l.MinFollowDelay, d.MinFollowDelay)
	orDefault(&l.IdleFollowDelay, d.IdleFollowDelay)
	orDefault(&l.IdleChecksPerSecond, d.IdleChecksPerSecond)
	orDefault(&l.ExpiryGrace, d.ExpiryGrace)
	orDefault(&l.StartRetryDelay, d.StartRetryDelay)
	orDefault(&l.MinRetryDelay, d.MinRetryDelay)
	orDefault(&l.MaxRetryDelay, d.MaxRetryDelay)
	orDefault(&l.MaxConcurrentReconciles, d.MaxConcurrentReconciles)
	orDefault(&c.Identity.LegacyKeySecret, defaultLegacyKeySecret)
	orDefault(&c.TokenKeySecret, DefaultTokenKeySecret)
	if c.WorkerName == "" {
		c.WorkerName, _ = os.Hostname()
	}
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
}

// clock is the operator's time: Clock, or the real one.
func (c *Config) clock() clock.PassiveClock {
	if c.Clock == nil {
		return clock.RealClock{}
	}
	return c.Clock
}

// validate checks settings that only make sense together.
func (c *Config) validate() error {
	if c.Lifecycle.IdleChecksPerSecond < 0 {
		return fmt.Errorf("--idle-checks-per-second must be positive, got %v", c.Lifecycle.IdleChecksPerSecond)
	}
	interval := c.Heartbeats.Interval
	if interval <= 0 {
		interval = stepfunctions.DefaultHeartbeatInterval
	}
	timeout := time.Duration(c.Lifecycle.HeartbeatSeconds) * time.Second
	if 2*interval > timeout {
		return fmt.Errorf("--heartbeat-interval %s must be at most half of --task-heartbeat-seconds (%s): a held token must get at least two heartbeats before Step Functions times it out", interval, timeout)
	}
	return nil
}

// orDefault sets *v to d when it is the zero value.
func orDefault[T comparable](v *T, d T) {
	var zero T
	if *v == zero {
		*v = d
	}
}

// CacheOptions are the manager's cache settings: managedFields are dropped from cached objects.
// The operator never reads them, and on a request written by its requester, its approvers and
// the operator they are a large share of every object the cache holds.
func CacheOptions() cache.Options {
	return cache.Options{DefaultTransform: cache.TransformStripManagedFields()}
}

// Parts are the pieces Setup wired, for callers that look inside (tests).
type Parts struct {
	Reconciler *controller.ApprovalRequestReconciler
	Router     *controller.TaskRouter
	Admission  *admission.Monitor
}

// Setup adds tollgate's controllers to mgr, talking to Step Functions through api (already
// wrapped by the caller with stepfunctions.Wrap, or raw in tests). cfg.Identity.LegacyKey is
// loaded first when there is one (LoadLegacyKey). It installs the activity worker's readiness check. The admission
// webhooks are set up apart (SetupWebhooks).
func Setup(ctx context.Context, mgr ctrl.Manager, cfg *Config, api stepfunctions.API) (*Parts, error) {
	cfg.Defaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.ActivityARN == "" {
		return nil, errors.New("--activity-arn is required: the operator is the worker of the approval activity")
	}
	if cfg.Lifecycle.ClusterID == "" {
		id, err := clusterID(ctx, mgr.GetAPIReader())
		if err != nil {
			return nil, err
		}
		cfg.Lifecycle.ClusterID = id
	}
	checker, err := cfg.Identity.checker(mgr)
	if err != nil {
		return nil, err
	}
	if cfg.Identity.Namespace == "" {
		return nil, errors.New("--namespace (or $POD_NAMESPACE) is required: the operator keeps its task token keys there")
	}
	keyring, err := TokenKeyring(ctx, mgr.GetAPIReader(), mgr.GetClient(), types.NamespacedName{Namespace: cfg.Identity.Namespace, Name: cfg.TokenKeySecret})
	if err != nil {
		return nil, err
	}
	events := mgr.GetEventRecorder("tollgate")
	metrics.CountRequests(mgr.GetClient())
	hb := cfg.Heartbeats
	hb.API, hb.Log = api, ctrl.Log.WithName("heartbeats")
	var monitor *admission.Monitor
	gate := cfg.Admission
	if gate == nil {
		if monitor, err = cfg.admissionMonitor(ctx, mgr); err != nil {
			return nil, err
		}
		gate = monitor
	}
	engine := stepfunctions.NewEngine(api)
	ends := &controller.Ends{}
	tokens := &controller.Tokens{Keyring: keyring, Keeper: hb}
	reconciler := &controller.ApprovalRequestReconciler{
		Client: mgr.GetClient(), Reader: mgr.GetAPIReader(), Engine: engine, Events: events, Clock: cfg.Clock,
		Tokens: tokens, Identity: checker, Admission: gate, Ends: ends, Options: cfg.Lifecycle,
	}
	if monitor != nil {
		monitor.OnInForce = reconciler.WakeHeld
	}
	if err := reconciler.SetupWithManager(mgr); err != nil {
		return nil, fmt.Errorf("setting up the ApprovalRequest controller: %w", err)
	}
	if err := setupNotifier(mgr, cfg, checker); err != nil {
		return nil, err
	}
	if err := (&controller.ApproverDecisionReconciler{Client: mgr.GetClient(), Reader: mgr.GetAPIReader(), Events: events}).SetupWithManager(mgr); err != nil {
		return nil, fmt.Errorf("setting up the ApproverDecision controller: %w", err)
	}
	router := &controller.TaskRouter{
		Client: mgr.GetClient(), Reader: mgr.GetAPIReader(), Engine: engine, Events: events, Clock: cfg.Clock,
		Tokens: tokens, ClusterID: cfg.Lifecycle.ClusterID, DefaultStateMachineARN: cfg.Lifecycle.DefaultStateMachineARN,
		Log: ctrl.Log.WithName("activity"), Ends: ends,
		OnGone: reconciler.Wake,
	}
	poller := cfg.Poller
	poller.API, poller.ActivityARN, poller.WorkerName, poller.Handler = api, cfg.ActivityARN, cfg.WorkerName, router
	poller.Log = ctrl.Log.WithName("poller")
	if err := mgr.Add(hb); err != nil {
		return nil, fmt.Errorf("adding the token keeper: %w", err)
	}
	if len(cfg.Identity.LegacyKey) > 0 && cfg.Identity.Namespace != "" {
		retire := &legacyRetirement{
			reader: mgr.GetAPIReader(), client: mgr.GetClient(), secret: types.NamespacedName{Namespace: cfg.Identity.Namespace, Name: cfg.Identity.LegacyKeySecret},
			interval: orDefaultDuration(cfg.LegacyCheckInterval, 10*time.Minute), log: ctrl.Log.WithName("legacy-key"),
		}
		if err := mgr.Add(retire); err != nil {
			return nil, fmt.Errorf("adding the legacy key's retirement: %w", err)
		}
	}
	if err := mgr.Add(poller); err != nil {
		return nil, fmt.Errorf("adding the activity poller: %w", err)
	}
	if err := mgr.AddHealthzCheck("activity-poller", poller.Healthy); err != nil {
		return nil, fmt.Errorf("adding the poller health check: %w", err)
	}
	if err := mgr.AddReadyzCheck("foreign-tasks", router.Ready); err != nil {
		return nil, fmt.Errorf("adding the foreign-task readiness check: %w", err)
	}
	return &Parts{Reconciler: reconciler, Router: router, Admission: monitor}, nil
}

// clusterID is the default installation identity: the kube-system namespace's UID, stable for
// the life of a cluster and different between clusters.
func clusterID(ctx context.Context, r client.Reader) (string, error) {
	ns := &corev1.Namespace{}
	if err := r.Get(ctx, client.ObjectKey{Name: "kube-system"}, ns); err != nil {
		return "", fmt.Errorf("reading the kube-system namespace for the default --cluster-id: %w", err)
	}
	return string(ns.UID), nil
}
