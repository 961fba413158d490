package plugin

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/utils/clock"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// Options are what the commands run with beside their flags. Tests give their own streams
// and clock; the zero Clock is the real one.
type Options struct {
	IO    genericiooptions.IOStreams
	Clock clock.Clock
}

// session is what every subcommand shares: the streams, the clock, and the kubeconfig flags
// (--kubeconfig, --context, -n, --as, --as-group, ...), read when a command runs.
type session struct {
	io    genericiooptions.IOStreams
	clock clock.Clock
	flags *genericclioptions.ConfigFlags
}

// namespace is -n, else the kubeconfig context's namespace, else "default".
func (s *session) namespace() (string, error) {
	ns, _, err := s.flags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return "", fmt.Errorf("reading the namespace from the kubeconfig: %w", err)
	}
	return ns, nil
}

// cluster connects as the kubeconfig's user (or --as).
func (s *session) cluster() (*cluster, error) {
	cfg, err := s.flags.ToRESTConfig()
	if err != nil {
		return nil, fmt.Errorf("reading the kubeconfig: %w", err)
	}
	return newCluster(cfg)
}

// target connects and reads the named request in the session's namespace: what every command
// on one request starts with.
func (s *session) target(ctx context.Context, name string) (*cluster, *v1.ApprovalRequest, error) {
	namespace, err := s.namespace()
	if err != nil {
		return nil, nil, err
	}
	c, err := s.cluster()
	if err != nil {
		return nil, nil, err
	}
	req, err := c.request(ctx, namespace, name)
	if err != nil {
		return nil, nil, err
	}
	return c, req, nil
}

// NewCommand builds `kubectl tollgate` with its subcommands.
func NewCommand(o Options) *cobra.Command {
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
	s := &session{io: o.IO, clock: o.Clock, flags: genericclioptions.NewConfigFlags(true).WithWarningPrinter(o.IO)}
	root := &cobra.Command{
		Use:   "kubectl-tollgate",
		Short: "Decide and follow tollgate ApprovalRequests",
		Long: `kubectl tollgate lists the ApprovalRequests you can decide, describes them, approves or
rejects them as you (an ApproverDecision, bound to you by tollgate's admission webhook), and
waits for their outcome with an exit code a script can branch on.`,
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl tollgate"},
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(o.IO.In)
	root.SetOut(o.IO.Out)
	root.SetErr(o.IO.ErrOut)
	s.flags.AddFlags(root.PersistentFlags())
	root.AddCommand(newListCommand(s), newDescribeCommand(s), newDecideCommand(s, approveVerb), newDecideCommand(s, rejectVerb), newWaitCommand(s))
	return root
}

// Run runs the command line args (without the program's name), prints any error on the
// error stream, and returns the process's exit code (see ExitApproved and the codes after it).
func Run(ctx context.Context, o Options, args []string) int {
	cmd := NewCommand(o)
	cmd.SetArgs(args)
	return report(o.IO.ErrOut, cmd.ExecuteContext(ctx))
}
