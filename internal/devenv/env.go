package devenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"

	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/tollgate-dev/tollgate/internal/identity"
)

// Env is the whole environment: the control plane, the webhooks and the local Step Functions.
// Operators are started on it (StartOperator), one or several in turn.
type Env struct {
	ControlPlane *ControlPlane
	Endpoint     *Endpoint
	Webhooks     *Webhooks
	// RecordKey is the key the webhooks sign with and the operators verify with.
	RecordKey []byte
	stops     []func() error
}

// Options configure Start.
type Options struct {
	ControlPlane ControlPlaneOptions
	Endpoint     EndpointOptions
	// RecordKey is the record key; nil: a fresh random one (records of an earlier run do not
	// verify — keep the key with the state to reuse a cluster).
	RecordKey []byte
}

// Start brings up the control plane, the local Step Functions endpoint and the webhooks.
func Start(ctx context.Context, o Options) (env *Env, err error) {
	env = &Env{RecordKey: o.RecordKey}
	if env.RecordKey == nil {
		env.RecordKey = identity.NewKey()
	}
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
	if env.Webhooks, err = StartWebhooks(ctx, env.ControlPlane, env.RecordKey, o.Endpoint.Clock); err != nil {
		return env, err
	}
	env.stops = append(env.stops, env.Webhooks.Stop)
	return env, nil
}

// StartOperator runs an operator on the environment.
func (e *Env) StartOperator(ctx context.Context, o OperatorOptions) (*Operator, error) {
	return StartOperator(ctx, e.ControlPlane, e.Endpoint, e.RecordKey, o)
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
