package devenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"

	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// Env is the whole environment: the control plane, the webhooks and the local Step Functions.
// Operators are started on it (StartOperator), one or several in turn.
type Env struct {
	ControlPlane *ControlPlane
	Endpoint     *Endpoint
	Webhooks     *Webhooks
	// LegacyKey is the key records were signed with before version 2 (nil: none), which the
	// webhooks and operators check such records with.
	LegacyKey []byte
	stops     []func() error
}

// Options configure Start.
type Options struct {
	ControlPlane ControlPlaneOptions
	Endpoint     EndpointOptions
	// LegacyKey is the key of version 1 records found in the environment (an upgrade's), or nil.
	LegacyKey []byte
}

// Start brings up the control plane, the local Step Functions endpoint and the webhooks.
func Start(ctx context.Context, o Options) (env *Env, err error) {
	env = &Env{LegacyKey: o.LegacyKey}
	defer func() {
		if err != nil {
			err = errors.Join(err, env.Stop())
		}
	}()
	if env.ControlPlane, err = StartControlPlane(ctx, o.ControlPlane); err != nil {
		return env, err
	}
	env.stops = append(env.stops, env.ControlPlane.Stop)
	if env.Endpoint, err = StartEndpoint(ctx, o.Endpoint); err != nil {
		return env, err
	}
	env.stops = append(env.stops, env.Endpoint.Stop)
	if env.Webhooks, err = StartWebhooks(ctx, env.ControlPlane, env.LegacyKey, o.Endpoint.Clock); err != nil {
		return env, err
	}
	env.stops = append(env.stops, env.Webhooks.Stop)
	return env, nil
}

// StartOperator runs an operator on the environment.
func (e *Env) StartOperator(ctx context.Context, o OperatorOptions) (*Operator, error) {
	return StartOperator(ctx, e.ControlPlane, e.Endpoint, e.LegacyKey, o)
}

// Stop stops everything Start started, in reverse order.
func (e *Env) Stop() error {
	var errs []error
	for _, stop := range slices.Backward(e.stops) {
		errs = append(errs, stop())
	}
	e.stops = nil
	return errors.Join(errs...)
}

// WriteKubeconfig writes a kubeconfig for a new client-certificate user of the control plane
// (the demo's administrator, who may impersonate the people of the demo with --as).
func (cp *ControlPlane) WriteKubeconfig(path, user string, groups ...string) error {
	u, err := cp.Env.AddUser(envtest.User{Name: user, Groups: groups}, nil)
	if err != nil {
		return fmt.Errorf("creating user %s: %w", user, err)
	}
	data, err := u.KubeConfig()
	if err != nil {
		return fmt.Errorf("building the kubeconfig of %s: %w", user, err)
	}
	return os.WriteFile(path, data, 0o600)
}
