package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
	"github.com/tollgate-dev/tollgate/internal/identity"
	"github.com/tollgate-dev/tollgate/internal/ledger"
	"github.com/tollgate-dev/tollgate/internal/stepfunctions"
)

// start begins the request's execution. The execution name derives from the request's UID and
// the input from the object alone, so a retry after a crash gets the same execution back:
// Step Functions answers a repeated StartExecution with the running execution's ARN, and
// ExecutionAlreadyExists once it closed, or when the running one has another input. Such an
// execution is adopted only when its input is the one this request renders (adoptable): anyone
// allowed states:StartExecution on the machine, who watched the request come, may have started
// one under its name first.
func (r *ApprovalRequestReconciler) start(ctx context.Context, obj *v1.ApprovalRequest, w *statusWriter) error {
	machine := r.machineOf(obj)
	now := metav1.NewTime(r.Clock.Now())
	if machine == "" {
		return blocked{v1.ReasonStartBlocked, "no state machine: set the policy's stateMachineARN or the operator's --state-machine-arn"}
	}
	input, err := approval.BuildExecutionInput(obj, r.Options.ClusterID, r.Options.HeartbeatSeconds)
	if err != nil {
		r.Events.Eventf(obj, nil, corev1.EventTypeWarning, v1.ReasonStartFailed, "Start", "%v", err)
		w.end(ledger.Outcome{Phase: v1.PhaseFailed, Why: err.Error(), At: now})
		return nil
	}
	name := approval.ExecutionName(obj)
	started, err := r.Engine.StartApproval(ctx, stepfunctions.ApprovalRun{StateMachineARN: machine, Name: name, Input: input})
	executionARN, startedAt := "", now
	switch {
	case err == nil:
		executionARN, startedAt = started.ExecutionARN, metav1.NewTime(started.StartedAt)
	case stepfunctions.Classify(err) == stepfunctions.Exists:
		executionARN = approval.ExecutionARNOf(machine, name)
		if err := r.adoptable(ctx, executionARN, input); err != nil {
			var theirs notOurs
			if !errors.As(err, &theirs) {
				return err
			}
			r.Events.Eventf(obj, nil, corev1.EventTypeWarning, v1.ReasonExecutionNotOurs, "Start", "%s", theirs.msg)
			w.end(ledger.Outcome{Phase: v1.PhaseFailed, Why: theirs.msg, At: now})
			return nil
		}
	case stepfunctions.Classify(err) == stepfunctions.Terminal && stepfunctions.RefusesInput(err):
		msg := fmt.Sprintf("StartExecution on %s refused the request: %s", machine, stepfunctions.Describe(err))
		r.Events.Eventf(obj, nil, corev1.EventTypeWarning, v1.ReasonStartFailed, "Start", "%s", msg)
		w.end(ledger.Outcome{Phase: v1.PhaseFailed, Why: msg, At: now})
		return nil
	case stepfunctions.Classify(err) == stepfunctions.Terminal, stepfunctions.Classify(err) == stepfunctions.Denied:
		return blocked{v1.ReasonStartBlocked, fmt.Sprintf("StartExecution on %s refused: %s", machine, stepfunctions.Describe(err))}
	default:
		return fmt.Errorf("starting the execution of %s/%s: %w", obj.Namespace, obj.Name, err)
	}
	policy := approval.PolicyOf(obj)
	r.Events.Eventf(obj, nil, corev1.EventTypeNormal, v1.ReasonStarted, "Start", "execution %s started; waiting for %d of %d approvers", executionARN, approval.RequiredApprovals(policy), len(approval.Slots(policy)))
	// The activity worker may already be writing tokens: record the start through conflicts.
	return w.commit(ctx, r.Reader, func(o *v1.ApprovalRequest) {
		o.Status.Phase, o.Status.ExecutionARN, o.Status.StartedAt = v1.PhasePending, executionARN, &startedAt
		for _, a := range approval.Slots(approval.PolicyOf(o)) {
			if approval.Entry(o, a.Name) == nil {
				o.Status.Approvers = append(o.Status.Approvers, v1.ApproverStatus{Name: a.Name})
			}
		}
	})
}

// blocked is a call Step Functions refused for a reason outside the request — no state
// machine configured, a missing machine, missing permissions or expired credentials — that an
// administrator can fix. The request is Stalled with the reason and tried again every
// StartRetryDelay; its message is stable (no request IDs), so waiting changes no status.
type blocked struct{ reason, msg string }

func (e blocked) Error() string { return e.msg }

// refused is the blocked state of a call Step Functions refused the operator's credentials or
// permissions for.
func refused(err error) blocked {
	return blocked{v1.ReasonStepFunctionsRefused, "Step Functions refused the operator: " + stepfunctions.Describe(err)}
}

// machineOf is the state machine a request runs on: its policy's (approval.PolicyOf), else the
// operator's default.
func (r *ApprovalRequestReconciler) machineOf(obj *v1.ApprovalRequest) string {
	return approval.MachineOf(obj, r.Options.DefaultStateMachineARN)
}

// notOurs is an execution under a request's name that is not the request's.
type notOurs struct{ msg string }

func (e notOurs) Error() string { return e.msg }

// adoptable checks that the execution under a request's name carries the input the request
// renders (DescribeExecution): a notOurs error when it does not.
func (r *ApprovalRequestReconciler) adoptable(ctx context.Context, arn string, input []byte) error {
	exec, err := r.Engine.Describe(ctx, arn)
	if err != nil {
		return fmt.Errorf("reading the execution %s, which exists under the request's name: %w", arn, err)
	}
	if !approval.SameInput(exec.Input, input) {
		return notOurs{fmt.Sprintf("the execution %s exists under this request's name with another input than the request's: someone else started it (states:StartExecution on the machine), and it is not adopted; create the request again (it gets a new name) and find out who started it", arn)}
	}
	return nil
}

// follow learns how the execution ended. The shipped machine reports its outcome through an
// activity task (a push, see tasks.go); DescribeExecution is the recovery path and serves user
// machines without that step, when a check is due. Past its deadline a request is expired —
// but Step Functions is asked first: a verdict delivered just before the deadline may still be
// finishing (its outcome report in flight, re-issued after a crash), and stopping it would
// turn an approval into an expiry. Nor is it stopped while decisions are held (tollgate's
// admission is not in force): they may be the verdict; the machine expires it by itself.
func (r *ApprovalRequestReconciler) follow(ctx context.Context, w *statusWriter, held bool) (time.Duration, error) {
	obj, now := w.obj, r.Clock.Now()
	expires := approval.ExpiresAt(obj)
	expired := now.After(expires.Add(r.Options.ExpiryGrace))
	decided := approval.TallyOf(obj, r.delivered(obj)).Verdict() != approval.VerdictOpen
	wait, scheduled := r.checks.wait(obj.UID, now)
	if !scheduled && !decided {
		// Met for the first time: people have yet to decide, and the execution reports its
		// outcome itself; the first check is a recovery check, placed within the idle period,
		// and a full period after the creation of a request that was just created (the API
		// server's clock: Step Functions' StartDate may differ from the cluster's).
		period := r.followDelay(obj, false, now, expires)
		wait = max(spread(obj.UID, period, r.Options.MinFollowDelay), obj.CreationTimestamp.Add(period).Sub(now))
		r.checks.checkAt(obj.UID, now.Add(wait))
	}
	if wait > 0 && !expired {
		return wait, nil
	}
	rep, err := r.describeEnd(ctx, obj, obj.Status.ExecutionARN, now)
	if err != nil {
		return 0, err
	}
	if rep.phase != v1.PhasePending {
		w.end(reported(rep.phase, rep.failure, rep.at))
		return 0, nil
	}
	if expired && !decided && !held {
		if err := r.stop(ctx, obj, approval.ErrorExpired, "the request's timeout passed"); err != nil {
			return 0, err
		}
		w.end(ledger.Outcome{Phase: v1.PhaseExpired, Why: fmt.Sprintf("Expired: no verdict by %s", expires.Format(time.RFC3339)), At: metav1.NewTime(now)})
		return 0, nil
	}
	delay := r.followDelay(obj, decided, now, expires)
	r.checks.checkAt(obj.UID, now.Add(delay))
	return delay, nil
}

// reportedEnd is how Step Functions says a request's execution stands: Pending while it runs,
// else the phase it ended with, the failure it names and when.
type reportedEnd struct {
	phase   v1.Phase
	failure string
	at      metav1.Time
}

// describeEnd asks Step Functions how an execution stands (DescribeExecution). An execution that
// is gone or cannot be read ends its request Failed; a call refused for the operator's
// permissions blocks it; any other failure is returned for a retry.
func (r *ApprovalRequestReconciler) describeEnd(ctx context.Context, obj *v1.ApprovalRequest, arn string, now time.Time) (reportedEnd, error) {
	exec, err := r.Engine.Describe(ctx, arn)
	switch class := stepfunctions.Classify(err); {
	case err == nil:
	case class == stepfunctions.Gone, class == stepfunctions.Terminal:
		return reportedEnd{v1.PhaseFailed, fmt.Sprintf("the execution %s cannot be read: %s", arn, stepfunctions.Describe(err)), metav1.NewTime(now)}, nil
	case class == stepfunctions.Denied:
		return reportedEnd{}, refused(err)
	default:
		return reportedEnd{}, fmt.Errorf("describing the execution of %s/%s: %w", obj.Namespace, obj.Name, err)
	}
	end := metav1.NewTime(now)
	if !exec.StoppedAt.IsZero() {
		end = metav1.NewTime(exec.StoppedAt)
	}
	failure := fmt.Sprintf("the execution failed: %s: %s", exec.Error, exec.Cause)
	return reportedEnd{phaseOf(exec.Status, exec.Error), failure, end}, nil
}

// delivered selects, for tallyOf, the slots whose verified decision reached Step Functions.
func (r *ApprovalRequestReconciler) delivered(obj *v1.ApprovalRequest) func(*v1.ApproverStatus) bool {
	isVerified := identity.Verified(obj)
	return func(s *v1.ApproverStatus) bool { return s.SentAt != nil && isVerified(s) }
}

// followDelay is when to look at a running execution again: soon once the delivered decisions
// decide it (the execution is finishing), backing off while it keeps running (its outcome
// report may wait out a heartbeat timeout), rarely while people still have to decide, and never
// later than the expiry.
func (r *ApprovalRequestReconciler) followDelay(obj *v1.ApprovalRequest, decided bool, now, expires time.Time) time.Duration {
	delay := r.idleDelay()
	if decided {
		delay = backoff(r.Options.MinFollowDelay, r.Options.IdleFollowDelay, r.checks.stillRunning(obj.UID))
	}
	if until := expires.Add(r.Options.ExpiryGrace).Sub(now) + time.Second; until > 0 && until < delay {
		delay = until
	}
	return delay
}

// idleDelay is how often an execution that waits for people is checked: every IdleFollowDelay,
// or less often when that would spend more than IdleChecksPerSecond DescribeExecution calls on
// the requests followed (10,000 pending at the default 3/s: every 56 minutes).
func (r *ApprovalRequestReconciler) idleDelay() time.Duration {
	paced := time.Duration(float64(r.checks.followed()) / r.Options.IdleChecksPerSecond * float64(time.Second))
	return max(r.Options.IdleFollowDelay, paced)
}

// stop ends a running execution. An execution that is already gone counts as stopped. A
// request whose start was never recorded may still have started (a crash, or a deletion racing
// the start): its execution is found by its deterministic name.
func (r *ApprovalRequestReconciler) stop(ctx context.Context, obj *v1.ApprovalRequest, errorName, cause string) error {
	arn := obj.Status.ExecutionARN
	if arn == "" {
		if r.machineOf(obj) == "" {
			return nil
		}
		arn = approval.ExecutionARNOf(r.machineOf(obj), approval.ExecutionName(obj))
	}
	err := r.Engine.Stop(ctx, arn, errorName, cause)
	switch {
	case err == nil:
		r.Events.Eventf(obj, nil, corev1.EventTypeNormal, v1.ReasonAborted, "Stop", "execution %s stopped: %s", arn, cause)
	case stepfunctions.Classify(err) != stepfunctions.Gone:
		return fmt.Errorf("stopping the execution of %s/%s: %w", obj.Namespace, obj.Name, err)
	}
	return nil
}
