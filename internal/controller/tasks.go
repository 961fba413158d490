package controller

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
	"github.com/tollgate-dev/tollgate/internal/identity"
	"github.com/tollgate-dev/tollgate/internal/ledger"
	"github.com/tollgate-dev/tollgate/internal/stepfunctions"
)

var foreignTasks = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "tollgate_foreign_activity_tasks_total",
	Help: "Activity tasks this installation received but does not own (another cluster polls the same activity, or the input is not tollgate's); they are never answered here.",
}, []string{"reason"})

func init() { metrics.Registry.MustRegister(foreignTasks) }

// foreignAlarm is how long readiness reports a foreign task after the last one.
const foreignAlarm = 10 * time.Minute

// TaskRouter is the activity worker's handler: it matches each activity task to its request
// and slot, records approval tokens in status (a token is there as soon as the task is), and
// turns the outcome task into the request's phase. Tasks of other installations are reported
// loudly and never answered.
type TaskRouter struct {
	// Client writes status; Reader reads uncached, so a conflict retry sees the latest object.
	Client client.Client
	Reader client.Reader
	Engine stepfunctions.Engine
	Events events.EventRecorder
	Clock  clock.PassiveClock
	Tokens *Tokens
	// ClusterID is this installation's identity; DefaultStateMachineARN the machine of requests
	// without one of their own (a request's own execution is known before it is recorded).
	ClusterID              string
	DefaultStateMachineARN string
	Log                    logr.Logger
	// Ends is shared with the reconciler: the ends this operator wrote.
	Ends *Ends
	// OnGone re-queues the request of a token that went stale.
	OnGone func(key client.ObjectKey)

	// writing serialises the router's own writes of one request: its workers then never
	// conflict with each other (40 tokens of one request arrive at once), only with the
	// reconciler.
	writing keyedLock

	mu          sync.Mutex
	lastForeign time.Time
	foreignWhy  string
}

// HandleTask implements stepfunctions.Handler.
func (t *TaskRouter) HandleTask(ctx context.Context, task stepfunctions.Task) {
	in, err := approval.ParseTaskInput(task.Input)
	if err != nil {
		t.foreign("unparseable", err.Error())
		return
	}
	if in.Tollgate.Cluster != t.ClusterID {
		t.foreign("other-cluster", fmt.Sprintf("task for %s/%s belongs to cluster %q, this installation is %q: two installations poll one activity", in.Tollgate.Namespace, in.Tollgate.Name, in.Tollgate.Cluster, t.ClusterID))
		return
	}
	key := client.ObjectKey{Namespace: in.Tollgate.Namespace, Name: in.Tollgate.Name}
	log := t.Log.WithValues("approvalrequest", key, "task", in.Task, "approver", in.Approver)
	var refused refusal
	var foreign foreignExecution
	switch err := t.route(ctx, key, in, task.Token); {
	case err == nil:
	case errors.As(err, &foreign):
		t.refuseForeign(ctx, log, task.Token, foreign)
	case apierrors.IsNotFound(err):
		log.Info("the request of an activity task is gone; failing the task so its execution ends")
		t.failTask(ctx, log, task.Token, approval.ErrorRequestNotFound, fmt.Sprintf("ApprovalRequest %s (uid %s) does not exist", key, in.Tollgate.UID))
	case errors.As(err, &refused):
		log.Info("refusing an activity task", "reason", refused.msg)
		t.failTask(ctx, log, task.Token, refused.name, refused.msg)
	default:
		// The token is not recorded; the task is re-issued after its heartbeat timeout.
		log.Error(err, "could not record an activity task; Step Functions re-issues it after the heartbeat timeout")
	}
}

// refusal is a task the operator answers with a failure: it names no slot it could ever fill.
type refusal struct{ name, msg string }

func (r refusal) Error() string { return r.msg }

// foreignExecution is a task that names a request but comes from another execution than the
// request's own.
type foreignExecution struct {
	obj *v1.ApprovalRequest
	msg string
}

func (f foreignExecution) Error() string { return f.msg }

// ownTask refuses a task that is not from the request's own execution: its executionArn, which
// the machine copies from the context object, must be status.executionARN (or, before that is
// recorded, the ARN the request's machine and execution name give). The input of an execution
// is anyone's to write who may start the machine; the context object is not.
func (t *TaskRouter) ownTask(obj *v1.ApprovalRequest, in *approval.TaskInput) error {
	own := approval.OwnExecution(obj, t.DefaultStateMachineARN)
	if in.ExecutionArn != "" && in.ExecutionArn == own {
		return nil
	}
	from := "an execution that does not name itself (no executionArn: a machine that does not follow the contract)"
	if in.ExecutionArn != "" {
		from = "the execution " + in.ExecutionArn
	}
	what := "its outcome report"
	if in.Task == approval.TaskApproval {
		what = "the approval task of slot " + in.Approver
	}
	return foreignExecution{obj.DeepCopy(), fmt.Sprintf("%s came from %s, not from the request's own execution %s: it was answered %s and changed nothing", what, from, own, approval.ErrorForeignExecution)}
}

// route records the task on its request.
func (t *TaskRouter) route(ctx context.Context, key client.ObjectKey, in *approval.TaskInput, token string) error {
	if in.Task == approval.TaskOutcome {
		return t.outcome(ctx, key, in, token)
	}
	obj, err := t.patchLatest(ctx, key, func(obj *v1.ApprovalRequest) (bool, error) {
		if string(obj.UID) != in.Tollgate.UID {
			return false, apierrors.NewNotFound(v1.GroupVersion.WithResource("approvalrequests").GroupResource(), key.Name)
		}
		if err := t.ownTask(obj, in); err != nil {
			return false, err
		}
		if !hasSlot(obj, in.Approver) {
			return false, refusal{approval.ErrorUnknownApprover, fmt.Sprintf("ApprovalRequest %s has no approver slot %q", key, in.Approver)}
		}
		s := approval.Entry(obj, in.Approver)
		if s == nil {
			// The token came before the reconciler recorded the execution's start.
			obj.Status.Approvers = append(obj.Status.Approvers, v1.ApproverStatus{Name: in.Approver})
			s = &obj.Status.Approvers[len(obj.Status.Approvers)-1]
		}
		if approval.Ended(obj.Status.Phase) {
			return false, refusal{approval.ErrorRequestNotFound, fmt.Sprintf("ApprovalRequest %s is already %s", key, obj.Status.Phase)}
		}
		if held, err := t.Tokens.open(obj, s); err == nil && held == token {
			return false, nil
		}
		now := metav1.NewTime(t.Clock.Now())
		// A re-issued task: a decision sent on the old token did not count, so it goes out again.
		s.SentAt = nil
		s.TaskToken, s.TokenReceivedAt = t.Tokens.seal(obj, in.Approver, token), &now
		return true, nil
	})
	if err != nil {
		return err
	}
	t.Tokens.Keeper.Track(token, func(string) { t.OnGone(key) })
	t.Events.Eventf(obj, nil, corev1.EventTypeNormal, v1.ReasonTokenReceived, "Poll", "task token received for %s", in.Approver)
	return nil
}

// outcome handles the shipped machine's last step. A report of the request's own execution
// (ownTask) whose end the verified ledger cannot support by itself — Failed, Aborted, an
// Expired ahead of the cluster's clock — must also be in that execution's history
// (confirmOutcome): a machine of someone's own on the approval activity can name any
// execution. It then answers the task (so the execution ends), and records the phase the task
// reports (settle), with its conditions in the same write (completeEnd). A crash between the
// two leaves the request Pending, and DescribeExecution (the recovery path) finds the end.
func (t *TaskRouter) outcome(ctx context.Context, key client.ObjectKey, in *approval.TaskInput, token string) error {
	phase := outcomePhase(in.Outcome)
	current := &v1.ApprovalRequest{}
	switch err := t.Reader.Get(ctx, key, current); {
	case apierrors.IsNotFound(err):
	case err != nil:
		return fmt.Errorf("reading %s for its outcome report: %w", key, err)
	case string(current.UID) == in.Tollgate.UID:
		if err := t.ownTask(current, in); err != nil {
			return err
		}
		if err := t.confirmOutcome(ctx, current, in, phase); err != nil {
			return err
		}
	}
	if err := t.Engine.Answer(ctx, token, stepfunctions.Acknowledge()); err != nil {
		return fmt.Errorf("answering the outcome task of %s: %w", key, err)
	}
	return t.recordOutcome(ctx, key, in, phase)
}

// recordOutcome writes the end an answered outcome task reported, checked against the verified
// ledger (decide), with the request's conditions in the same write; it is announced, and the
// request's tokens given up, once, after the write that made it durable — never inside the
// commit's change function, which runs again on every conflict.
func (t *TaskRouter) recordOutcome(ctx context.Context, key client.ObjectKey, in *approval.TaskInput, phase v1.Phase) error {
	var end *ledger.End
	obj, err := t.patchLatest(ctx, key, func(obj *v1.ApprovalRequest) (bool, error) {
		end = nil
		if string(obj.UID) != in.Tollgate.UID || approval.Ended(obj.Status.Phase) {
			return false, nil
		}
		now := metav1.NewTime(t.Clock.Now())
		e := decide(obj, reported(phase, fmt.Sprintf("the execution failed: %s: %s", in.Error, in.Cause), now))
		summarize(obj, progress{}, identity.Verified(obj))
		// Remembered before it is written: the reconcile its write wakes must find it ours,
		// or it would ask the execution, which may still be finishing.
		t.Ends.rememberEnd(obj, identity.SupportsEnd(obj, now.Time))
		end = &e
		return true, nil
	})
	switch {
	case err == nil && end != nil:
		ended(t.Events, t.Tokens, obj, *end)
	case err != nil:
		t.Ends.forget(types.UID(in.Tollgate.UID))
	}
	return client.IgnoreNotFound(err)
}

// patchLatest commits a change of a request's status through the ledger (ledger.Commit), one
// worker at a time per request.
func (t *TaskRouter) patchLatest(ctx context.Context, key client.ObjectKey, change func(*v1.ApprovalRequest) (bool, error)) (*v1.ApprovalRequest, error) {
	unlock := t.writing.lock(key)
	defer unlock()
	return ledger.Commit(ctx, t.Client, t.Reader, key, nil, change, observe)
}

// keyedLock is a mutex per key, held only while in use.
type keyedLock struct {
	mu    sync.Mutex
	locks map[client.ObjectKey]*keyedEntry
}

type keyedEntry struct {
	sync.Mutex
	users int
}

// lock takes key's mutex and returns its release.
func (k *keyedLock) lock(key client.ObjectKey) func() {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[client.ObjectKey]*keyedEntry{}
	}
	e := k.locks[key]
	if e == nil {
		e = &keyedEntry{}
		k.locks[key] = e
	}
	e.users++
	k.mu.Unlock()
	e.Lock()
	return func() {
		e.Unlock()
		k.mu.Lock()
		if e.users--; e.users == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}

// outcomePhase maps the outcome task's word to a phase.
func outcomePhase(outcome string) v1.Phase {
	switch v1.Phase(outcome) {
	case v1.PhaseApproved, v1.PhaseRejected, v1.PhaseExpired:
		return v1.Phase(outcome)
	}
	return v1.PhaseFailed
}

// failTask answers a task this installation owns but cannot fill, so its execution ends.
func (t *TaskRouter) failTask(ctx context.Context, log logr.Logger, token, name, cause string) {
	if err := t.Engine.Answer(ctx, token, stepfunctions.Fail(name, cause)); err != nil {
		log.Error(err, "failing an activity task")
	}
}

// refuseForeign answers a task of another execution than its request's own with
// tollgate.ForeignExecution (that execution ends), and reports it: a Warning event on the
// request, a metric, an error log. Readiness stays: anyone who may start the machine could
// otherwise take the operator's webhooks out of service.
func (t *TaskRouter) refuseForeign(ctx context.Context, log logr.Logger, token string, f foreignExecution) {
	foreignTasks.WithLabelValues("other-execution").Inc()
	log.Error(nil, "refusing an activity task of another execution than its request's own", "detail", f.msg)
	t.Events.Eventf(f.obj, nil, corev1.EventTypeWarning, v1.ReasonForeignExecution, "Poll", "%s", f.msg)
	t.failTask(ctx, log, token, approval.ErrorForeignExecution, f.msg)
}

// foreign reports a task that is not this installation's: an error log, a metric, and a failing
// readiness check. The task is left unanswered — deciding it would act in someone's name.
func (t *TaskRouter) foreign(reason, why string) {
	foreignTasks.WithLabelValues(reason).Inc()
	t.Log.Error(nil, "received an activity task this installation does not own; leaving it unanswered", "reason", reason, "detail", why)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lastForeign, t.foreignWhy = t.Clock.Now(), why
}

// Ready is a readiness check: it fails while foreign tasks were seen recently, so a shared
// activity shows up on the operator's pods.
func (t *TaskRouter) Ready(*http.Request) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.lastForeign.IsZero() && t.Clock.Since(t.lastForeign) < foreignAlarm {
		return fmt.Errorf("foreign activity tasks received (last at %s): %s", t.lastForeign.Format(time.RFC3339), t.foreignWhy)
	}
	return nil
}

// hasSlot reports whether the policy the request runs under names a slot.
func hasSlot(obj *v1.ApprovalRequest, name string) bool {
	return approval.Slot(approval.PolicyOf(obj), name) != nil
}
