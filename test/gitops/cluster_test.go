package gitops

import (
	"context"
	"errors"
	"fmt"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/controller"
	"github.com/tollgate-dev/tollgate/internal/devenv"
	"github.com/tollgate-dev/tollgate/internal/operator"
	"github.com/tollgate-dev/tollgate/internal/sfnlocal"
)

// The people of the examples (gitops/*/example): the GitOps controller applies the requests, as
// Argo CD's application controller does; alice decides slot alice, carol (on call for
// security) slot security.
const (
	namespace     = "payments"
	gitopsUser    = "system:serviceaccount:argocd:argocd-application-controller"
	alice         = "alice@example.com"
	carol         = "carol@example.com"
	securityGroup = "security-oncall"
)

// gitopsGroups are the groups the API server gives the GitOps controller's service account.
var gitopsGroups = []string{"system:serviceaccounts", "system:serviceaccounts:argocd"}

// cluster is the development environment with the operator running, and a client per person.
type cluster struct {
	env    *devenv.Env
	op     *devenv.Operator
	clock  *sfnlocal.FakeClock // Step Functions' time: expiry without waiting
	admin  client.Client
	gitops client.Client
	people map[string]client.Client // by slot
}

// startCluster starts the environment, binds the examples' people to config/rbac's roles in
// the namespace, writes the examples' policy, and creates the request that no operator has seen yet (noStatus) before it
// starts the operator.
func startCluster(ctx context.Context, beforeOperator func(*cluster) error) (c *cluster, err error) {
	c = &cluster{clock: sfnlocal.NewFakeClock(time.Now())}
	if c.env, err = devenv.Start(ctx, devenv.Options{Endpoint: devenv.EndpointOptions{Clock: c.clock}}); err != nil {
		return nil, fmt.Errorf("starting the development environment: %w", err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, c.stop())
		}
	}()
	cp := c.env.ControlPlane
	c.admin = cp.Client
	// The roles a team grants, in a namespace that requires policies: the GitOps controller may
	// request, alice and the security group may approve; the examples' policy is written.
	team, err := cp.NewTeam(ctx, devenv.TeamOptions{
		Namespace:  namespace,
		Labels:     map[string]string{v1.RequirePolicyLabel: "true"},
		Requesters: devenv.Users(gitopsUser),
		Approvers:  append(devenv.Users(alice), devenv.Groups(securityGroup)...),
	})
	if err != nil {
		return c, err
	}
	if err := c.writePolicy(ctx); err != nil {
		return c, err
	}
	if c.gitops, err = team.As(gitopsUser, gitopsGroups...); err != nil {
		return c, err
	}
	c.people = map[string]client.Client{}
	for slot, who := range map[string][]string{"alice": {alice}, "security": {carol, securityGroup}} {
		if c.people[slot], err = team.As(who[0], who[1:]...); err != nil {
			return c, err
		}
	}
	if err := beforeOperator(c); err != nil {
		return c, err
	}
	c.op, err = c.env.StartOperator(ctx, devenv.OperatorOptions{Config: operatorConfig()})
	if err != nil {
		return c, fmt.Errorf("starting the operator: %w", err)
	}
	return c, nil
}

// writePolicy is what the namespace's administrators do: the examples' policy, and the GitOps
// controller's right to use it (gitops/policy, applied as they would).
func (c *cluster) writePolicy(ctx context.Context) error {
	objs, err := manifests(examplePolicy)
	if err != nil {
		return err
	}
	for _, o := range objs {
		if err := c.admin.Create(ctx, o); err != nil {
			return fmt.Errorf("applying %s %s of %s: %w", o.GetKind(), o.GetName(), examplePolicy, err)
		}
	}
	return c.env.ControlPlane.WaitAllowedOn(ctx, gitopsUser, gitopsGroups, namespace, "gatepolicies", examplePolicyName, v1.UseVerb)
}

// operatorConfig is the operator as the flags set it, quicker where the tests wait on it: an
// execution stopped or failed outside tollgate is noticed within a second, a blocked start is
// retried every second, and the operator leaves expiry to the state machine (on Step
// Functions' fake clock) rather than to its own clock.
func operatorConfig() *operator.Config {
	c := operator.NewConfig()
	c.WorkerName = "gitops-test"
	c.Lifecycle = controller.Options{
		ClusterID:        "gitops-test",
		HeartbeatSeconds: 300,
		MinFollowDelay:   100 * time.Millisecond,
		IdleFollowDelay:  time.Second,
		ExpiryGrace:      time.Hour,
		StartRetryDelay:  time.Second,
	}
	c.Poller.Workers = 2
	c.Heartbeats.Interval = time.Second
	return c
}

// stop stops the operator and the environment.
func (c *cluster) stop() error {
	var errs []error
	if c.op != nil {
		errs = append(errs, c.op.Stop())
	}
	return errors.Join(append(errs, c.env.Stop())...)
}
