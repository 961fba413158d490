package plugin

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

type waitOptions struct {
	timeout time.Duration
}

func newWaitCommand(s *session) *cobra.Command {
	o := &waitOptions{}
	cmd := &cobra.Command{
		Use:   "wait NAME [--timeout DURATION]",
		Short: "Wait for a request's outcome; the exit code says which",
		Long: fmt.Sprintf(`wait watches an ApprovalRequest until the operator reports its outcome, prints it, and exits
with its code:

  %d  Approved
  %d  Rejected
  %d  Expired (the request's spec.timeout passed without a verdict)
  %d  Failed (the execution could not start, or failed for another reason)
  %d  Aborted (the execution was stopped outside tollgate)
  %d  --timeout passed before an outcome (the request goes on)
  %d  an error: the request does not exist, was deleted or replaced (deleted and created again
      under the same name: wait follows the request it started on, by its UID) while waiting,
      or could not be read

Without --timeout, wait waits as long as the request does (it expires by itself).`,
			ExitApproved, ExitRejected, ExitExpired, ExitFailed, ExitAborted, ExitTimedOut, ExitError),
		Example: `  kubectl tollgate wait deploy-payments-v42 --timeout 1h && ./deploy.sh`,
		Args:    cobra.ExactArgs(1),
		RunE:    func(cmd *cobra.Command, args []string) error { return o.run(cmd, s, args[0]) },
	}
	cmd.Flags().DurationVar(&o.timeout, "timeout", 0, "How long to wait at most (e.g. 30s, 1h); 0 waits until the request has an outcome.")
	return cmd
}

func (o *waitOptions) run(cmd *cobra.Command, s *session, name string) error {
	if o.timeout < 0 {
		return fmt.Errorf("--timeout %s is negative", o.timeout)
	}
	// A first read tells a missing request or a missing permission at once, instead of a watch
	// that retries until the timeout.
	c, req, err := s.target(cmd.Context(), name)
	if err != nil {
		return err
	}
	if _, final := outcomeOf(req); !final {
		if req, err = o.watch(cmd.Context(), s, c, req); err != nil {
			return err
		}
	}
	out, _ := outcomeOf(req)
	if _, err := fmt.Fprintf(s.io.Out, "approvalrequest.%s/%s %s\n", v1.GroupVersion.Group, name, out); err != nil {
		return fmt.Errorf("writing the outcome: %w", err)
	}
	if out.Code == ExitApproved {
		return nil
	}
	return withCode(out.Code, nil)
}

var (
	// errTimedOut marks a wait that ran out of --timeout.
	errTimedOut = errors.New("timed out")
	// errDeleted is a request deleted while wait watched it.
	errDeleted = errors.New("it was deleted before it had an outcome")
)

// sameRequest makes wait follow the request it started on, not its name: a request deleted and
// created again under the same name (a watch that reconnects sees only the new one) is another
// request, with approvers of its creator's choosing, and its outcome is not this one's.
func sameRequest(started, seen *v1.ApprovalRequest) error {
	if seen.UID == started.UID {
		return nil
	}
	return fmt.Errorf("it was replaced: the request wait started on (uid %s) was deleted and another of the same name (uid %s) created; its outcome is not this one's", started.UID, seen.UID)
}

// watch follows the request until it has an outcome, the timeout (on the session's clock)
// passes, or it is deleted.
func (o *waitOptions) watch(ctx context.Context, s *session, c *cluster, req *v1.ApprovalRequest) (*v1.ApprovalRequest, error) {
	namespace, name := req.Namespace, req.Name
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if o.timeout > 0 {
		timer := s.clock.NewTimer(o.timeout)
		defer timer.Stop()
		go func() {
			select {
			case <-timer.C():
				cancel(errTimedOut)
			case <-ctx.Done():
			}
		}()
	}
	last := req
	final := func(obj any) (bool, error) {
		r, ok := obj.(*v1.ApprovalRequest)
		if !ok {
			return false, nil
		}
		if err := sameRequest(req, r); err != nil {
			return false, err
		}
		last = r
		_, done := outcomeOf(r)
		return done, nil
	}
	precondition := func(store cache.Store) (bool, error) {
		obj, exists, err := store.GetByKey(namespace + "/" + name)
		if err != nil || !exists {
			return false, errDeleted
		}
		return final(obj)
	}
	_, err := watchtools.UntilWithSync(ctx, c.watchRequest(namespace, name), &v1.ApprovalRequest{}, precondition,
		func(e watch.Event) (bool, error) {
			if e.Type == watch.Deleted {
				return false, errDeleted
			}
			return final(e.Object)
		})
	switch {
	case err == nil:
		return last, nil
	case errors.Is(context.Cause(ctx), errTimedOut):
		return nil, withCode(ExitTimedOut, fmt.Errorf("timed out after %s waiting for ApprovalRequest %s/%s: it is still %s%s",
			o.timeout, namespace, name, phaseOf(last), waitingFor(last)))
	case ctx.Err() != nil:
		return nil, fmt.Errorf("stopped waiting for ApprovalRequest %s/%s: %w", namespace, name, context.Cause(ctx))
	}
	return nil, fmt.Errorf("waiting for ApprovalRequest %s/%s: %w", namespace, name, err)
}

// waitingFor says what a request still waits for (approval.Reading.WaitingFor): ", waiting
// for bob (bob@example.com)".
func waitingFor(r *v1.ApprovalRequest) string {
	if what := readingOf(r).WaitingFor(0); what != "" {
		return ", waiting for " + what
	}
	return ""
}

// phaseOf names a request's phase for messages ("Pending" before the operator wrote one).
func phaseOf(r *v1.ApprovalRequest) v1.Phase {
	if r.Status.Phase == "" {
		return v1.PhasePending
	}
	return r.Status.Phase
}
