package gitops

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
// the namespace, and creates the request that no operator has seen yet (noStatus) before it
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
	if err := c.bindPeople(ctx); err != nil {
		return c, err
	}
	if c.gitops, err = client.New(cp.As(gitopsUser, gitopsGroups...), client.Options{Scheme: cp.Scheme}); err != nil {
		return c, fmt.Errorf("a client for %s: %w", gitopsUser, err)
	}
	c.people = map[string]client.Client{}
	for slot, who := range map[string][]string{"alice": {alice}, "security": {carol, securityGroup}} {
		if c.people[slot], err = client.New(cp.As(who[0], who[1:]...), client.Options{Scheme: cp.Scheme}); err != nil {
			return c, fmt.Errorf("a client for %s: %w", who[0], err)
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

// bindPeople creates the namespace, which requires policies, and grants the roles a team
// would: the GitOps controller may request, alice and the security group may approve; the
// namespace's administrators write the examples' policy and let the GitOps controller use it
// (gitops/policy, applied as they would).
func (c *cluster) bindPeople(ctx context.Context) error {
	cp := c.env.ControlPlane
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace, Labels: map[string]string{v1.RequirePolicyLabel: "true"}}}
	if err := c.admin.Create(ctx, ns); err != nil {
		return fmt.Errorf("creating namespace %s: %w", namespace, err)
	}
	objs, err := manifests(examplePolicy)
	if err != nil {
		return err
	}
	for _, o := range objs {
		if err := c.admin.Create(ctx, o); err != nil {
			return fmt.Errorf("applying %s %s of %s: %w", o.GetKind(), o.GetName(), examplePolicy, err)
		}
	}
	if err := cp.WaitAllowedOn(ctx, gitopsUser, gitopsGroups, namespace, "gatepolicies", examplePolicyName, v1.UseVerb); err != nil {
		return err
	}
	if err := cp.Bind(ctx, devenv.RoleRequester, namespace, devenv.Users(gitopsUser)...); err != nil {
		return err
	}
	approvers := append(devenv.Users(alice), devenv.Groups(securityGroup)...)
	if err := cp.Bind(ctx, devenv.RoleApprover, namespace, approvers...); err != nil {
		return err
	}
	if err := cp.WaitAllowed(ctx, gitopsUser, gitopsGroups, namespace, "create"); err != nil {
		return err
	}
	if err := cp.WaitAllowed(ctx, alice, nil, namespace, v1.ApproveVerb); err != nil {
		return err
	}
	return cp.WaitAllowed(ctx, carol, []string{securityGroup}, namespace, v1.ApproveVerb)
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
