/*
Copyright 2026.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
	"github.com/tollgate-dev/tollgate/internal/identity"
	"github.com/tollgate-dev/tollgate/internal/ledger"
	"github.com/tollgate-dev/tollgate/internal/stepfunctions"
)

// Options are the operator-wide settings of the approval lifecycle.
type Options struct {
	// DefaultStateMachineARN serves requests whose policy names no state machine.
	DefaultStateMachineARN string
	// ClusterID names this installation in every execution input; tasks of other
	// installations are never decided here.
	ClusterID string
	// HeartbeatSeconds is the heartbeat timeout the shipped machine gives each approver task;
	// the operator heartbeats held tokens well within it.
	HeartbeatSeconds int
	// MinFollowDelay is how soon a finishing execution is looked at again.
	MinFollowDelay time.Duration
	// IdleFollowDelay is how often a waiting execution is checked (recovery only: outcomes
	// arrive as activity tasks).
	IdleFollowDelay time.Duration
	// IdleChecksPerSecond bounds the DescribeExecution calls those checks spend: with many
	// requests pending, each is checked less often than IdleFollowDelay.
	IdleChecksPerSecond float64
	// ExpiryGrace lets a state machine expire a request itself before the operator stops it.
	ExpiryGrace time.Duration
	// StartRetryDelay is how often a request blocked by the operator's configuration (a missing
	// state machine, missing permissions, refused credentials) is tried again.
	StartRetryDelay time.Duration
	// MinRetryDelay and MaxRetryDelay bound the backoff after a failed call to Step Functions
	// (throttling, 5xx, no answer): it doubles from the first to the second.
	MinRetryDelay, MaxRetryDelay time.Duration
	// MaxConcurrentReconciles bounds the requests reconciled at once (each mostly waits on
	// Step Functions and the API server).
	MaxConcurrentReconciles int
}

// ApprovalRequestReconciler carries an ApprovalRequest from creation to its outcome.
type ApprovalRequestReconciler struct {
	client.Client
	// Reader reads uncached, to re-read a request after a write conflict.
	Reader client.Reader
	Engine stepfunctions.Engine
	Events events.EventRecorder
	Clock  clock.PassiveClock
	// Tokens seals, opens and keeps alive the slots' task tokens (shared with the router).
	Tokens *Tokens
	// Identity is the one check of who may decide, with the key that verifies the admission
	// webhook's records.
	Identity *identity.Checker
	// Admission says whether tollgate's admission vouches for what was written.
	Admission Admission
	// Ends is shared with the activity router: the ends this operator wrote.
	Ends    *Ends
	Options Options
	checks  schedule
	held    held
	inline  inlineWarned
	// blockedStarts holds back a blocked start's next attempt until --start-retry-delay passed.
	blockedStarts blockedStarts
	// wakeups re-queue requests from outside a watch (a token that went stale).
	wakeups chan event.GenericEvent
}

// +kubebuilder:rbac:groups=approvals.tollgate.dev,resources=approvalrequests,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=approvals.tollgate.dev,resources=approvalrequests/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=approvals.tollgate.dev,resources=approvalrequests/finalizers,verbs=update
// +kubebuilder:rbac:groups=approvals.tollgate.dev,resources=approverdecisions,verbs=get;list;watch;delete
// +kubebuilder:rbac:groups=approvals.tollgate.dev,resources=approverdecisions/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=authorization.k8s.io,resources=subjectaccessreviews,verbs=create
// +kubebuilder:rbac:groups=authentication.k8s.io,resources=selfsubjectreviews,verbs=create
// +kubebuilder:rbac:groups="",namespace=system,resources=secrets,resourceNames=tollgate-record-key,verbs=get;delete
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get

// Reconcile runs the lifecycle as a list of steps (run), turns what they returned into where
// the request stands (retryOrWait), and concludes: the derived fields and conditions in one
// place, the end of a decided request. Status is written by each step that must be durable
// before the next one acts, and once more here. An end found in status is first confirmed
// (confirmEnd): it is never read back as a fact.
func (r *ApprovalRequestReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	obj := &v1.ApprovalRequest{}
	if err := r.Get(ctx, req.NamespacedName, obj); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !obj.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.finalize(ctx, obj)
	}
	w := newStatusWriter(r.Client, obj)
	if approval.Ended(obj.Status.Phase) {
		if wait, err := r.confirmEnd(ctx, obj, w); err != nil || wait > 0 {
			switch {
			case apierrors.IsConflict(err):
				return ctrl.Result{}, nil // the write's watch event queues the request again
			case err != nil:
				return ctrl.Result{}, err
			}
			return ctrl.Result{RequeueAfter: wait}, nil
		}
	}
	stands, result, err := r.run(ctx, obj, w)
	result, err = r.retryOrWait(ctx, obj, result, err, &stands)
	return r.conclude(ctx, obj, w, stands, result, err)
}

// run is the list of steps: settle the policy the request runs under, start the execution,
// screen the decisions asked of it (what tollgate's admission vouches for), record them,
// deliver them, follow the execution to its end. It returns where a pending request stands and
// when to look again.
func (r *ApprovalRequestReconciler) run(ctx context.Context, obj *v1.ApprovalRequest, w *statusWriter) (progress, ctrl.Result, error) {
	starting := standing(obj) // what a step that fails (or conflicts) leaves said
	if !approval.Ended(obj.Status.Phase) {
		if err := r.setFinalizer(ctx, obj, true); err != nil {
			return starting, ctrl.Result{}, err
		}
		w.base.ObjectMeta = *obj.ObjectMeta.DeepCopy()
		r.warnInline(obj)
	}
	unstarted, err := r.unstarted(ctx, w)
	if err != nil {
		return starting, ctrl.Result{}, err
	}
	if unstarted {
		switch waiting, err := r.underPolicy(ctx, obj, w); {
		case err != nil:
			return starting, ctrl.Result{}, err
		case waiting != nil:
			// The policy's watch wakes it; the periodic look is for a watch event missed.
			return *waiting, ctrl.Result{RequeueAfter: r.Options.StartRetryDelay}, nil
		}
		now := r.Clock.Now()
		if blk, ok := r.blockedStarts.standing(obj.UID, now); ok {
			return starting, ctrl.Result{}, blk
		}
		if err := r.start(ctx, obj, w); err != nil {
			r.blockedStarts.remember(obj.UID, err, now.Add(r.Options.StartRetryDelay))
			return starting, ctrl.Result{}, err
		}
		r.blockedStarts.forget(obj.UID)
	}

	intents, decisions, err := r.intents(ctx, obj)
	if err != nil {
		return starting, ctrl.Result{}, err
	}
	intents, held, err := r.screen(ctx, obj, intents, decisions)
	if err != nil {
		return starting, ctrl.Result{}, err
	}
	outcomes := r.record(obj, intents)
	if err := w.flush(ctx); err != nil {
		return starting, ctrl.Result{}, err
	}
	if err := r.reportDecisions(ctx, decisions, outcomes, obj); err != nil {
		return starting, ctrl.Result{}, err
	}
	if approval.Ended(obj.Status.Phase) {
		return starting, ctrl.Result{}, nil
	}

	r.keepAlive(obj)
	if held == nil {
		if err := r.deliver(ctx, obj, w, decisionNamed(decisions)); err != nil {
			return starting, ctrl.Result{}, err
		}
	}
	delay, err := r.follow(ctx, w, held != nil)
	if err != nil {
		return starting, ctrl.Result{}, err
	}
	if held != nil {
		r.holding(client.ObjectKeyFromObject(obj))
		return *held, ctrl.Result{RequeueAfter: min(delay, heldRetry)}, nil
	}
	// summarize says what it waits for, from the request as it is written.
	return progress{reason: v1.ReasonAwaitingApprovals}, ctrl.Result{RequeueAfter: delay}, nil
}

// standing is where a request stood before this reconcile, as its conditions say: a step that
// ends early leaves it so (retryOrWait says more for the errors it knows).
func standing(obj *v1.ApprovalRequest) progress {
	c := meta.FindStatusCondition(obj.Status.Conditions, v1.ConditionReady)
	if obj.Status.ExecutionARN == "" || c == nil || approval.Ended(obj.Status.Phase) {
		return progress{reason: v1.ReasonStarting, message: "starting the Step Functions execution"}
	}
	return progress{reason: c.Reason, message: c.Message, stalled: meta.IsStatusConditionTrue(obj.Status.Conditions, v1.ConditionStalled)}
}

// conclude writes what follows from the steps: the derived fields and the conditions, and a
// decided request's end — written whole (an end found in status, confirmed, that is not yet:
// written by a version before conditions followed the phase), then, once written, announced and
// its finalizer dropped.
func (r *ApprovalRequestReconciler) conclude(ctx context.Context, obj *v1.ApprovalRequest, w *statusWriter, stands progress, result ctrl.Result, err error) (ctrl.Result, error) {
	if approval.Ended(obj.Status.Phase) && w.ended == nil && !settled(obj) {
		_, why := ledger.Recorded(obj)
		at := metav1.NewTime(r.Clock.Now())
		if obj.Status.CompletedAt != nil {
			at = *obj.Status.CompletedAt
		}
		w.end(ledger.Outcome{Phase: obj.Status.Phase, Why: why, At: at})
	}
	summarize(obj, stands, identity.Verified(obj))
	ferr := w.flush(ctx)
	if ferr != nil && err == nil {
		err = ferr
	}
	if ferr == nil && w.ended != nil {
		ended(r.Events, r.Tokens, obj, *w.ended)
	}
	if err == nil && approval.Ended(obj.Status.Phase) {
		r.Ends.rememberEnd(obj, identity.SupportsEnd(obj, r.Clock.Now()))
		err = r.release(ctx, obj)
	}
	switch {
	case apierrors.IsConflict(err):
		// Someone else wrote the request meanwhile: the watch event of that write queues it
		// again (the work queue holds a key that changes while it is being reconciled).
		return ctrl.Result{}, nil
	case err != nil:
		return ctrl.Result{}, err // controller-runtime's backoff; a requeue time would be ignored
	}
	return result, nil
}

// retryOrWait turns a step's error into what the request says and when it is looked at
// again: a call Step Functions refused for the operator's configuration waits for an
// administrator (Stalled, an event when the reason changes, StartRetryDelay); a failed call
// backs off (Retrying, an event when the message changes); any other error is returned for
// controller-runtime's backoff. Messages name the call and the error in words that do not
// change between attempts, so waiting changes no status and wakes nothing.
func (r *ApprovalRequestReconciler) retryOrWait(ctx context.Context, obj *v1.ApprovalRequest, result ctrl.Result, err error, pending *progress) (ctrl.Result, error) {
	var blk blocked
	switch {
	case errors.As(err, &blk):
		if c := meta.FindStatusCondition(obj.Status.Conditions, v1.ConditionStalled); c == nil || c.Message != blk.msg {
			r.Events.Eventf(obj, nil, corev1.EventTypeWarning, blk.reason, "Reconcile", "%s; retrying every %s", blk.msg, r.Options.StartRetryDelay)
		}
		*pending = progress{reason: blk.reason, message: blk.msg, stalled: true}
		return ctrl.Result{RequeueAfter: r.Options.StartRetryDelay}, nil
	case stepfunctions.IsCallError(err):
		delay := backoff(r.Options.MinRetryDelay, r.Options.MaxRetryDelay, r.checks.failed(obj.UID))
		log.FromContext(ctx).Info("a call to Step Functions failed; retrying", "after", delay, "error", stepfunctions.Describe(err))
		*pending = progress{reason: v1.ReasonRetrying, message: "Step Functions " + stepfunctions.Describe(err) + "; retrying"}
		if c := meta.FindStatusCondition(obj.Status.Conditions, v1.ConditionReady); c == nil || c.Message != pending.message {
			r.Events.Eventf(obj, nil, corev1.EventTypeWarning, v1.ReasonStepFunctionsUnavailable, "Reconcile", "%s", pending.message)
		}
		return ctrl.Result{RequeueAfter: delay}, nil
	case err != nil && !apierrors.IsConflict(err):
		*pending = progress{reason: v1.ReasonRetrying, message: err.Error()}
	case err == nil:
		r.checks.succeeded(obj.UID)
	}
	return result, err
}

// keepAlive makes sure every token the request holds for an undelivered slot is heartbeated,
// also after a restart of the operator.
func (r *ApprovalRequestReconciler) keepAlive(obj *v1.ApprovalRequest) {
	key := client.ObjectKeyFromObject(obj)
	for i := range obj.Status.Approvers {
		s := &obj.Status.Approvers[i]
		if s.TaskToken == "" || s.SentAt != nil {
			continue
		}
		if err := r.Tokens.track(obj, s, func() { r.Wake(key) }); err != nil {
			r.Events.Eventf(obj, nil, corev1.EventTypeWarning, v1.ReasonTokenUnreadable, "KeepAlive", "%v; its task times out without heartbeats and Step Functions hands it out again with a new token", err)
		}
	}
}

// Wake re-queues a request without blocking the caller.
func (r *ApprovalRequestReconciler) Wake(key client.ObjectKey) {
	obj := &v1.ApprovalRequest{}
	obj.Namespace, obj.Name = key.Namespace, key.Name
	select {
	case r.wakeups <- event.GenericEvent{Object: obj}:
	default:
	}
}

// settled reports whether a decided request's end is already reflected in its conditions.
func settled(obj *v1.ApprovalRequest) bool {
	c := meta.FindStatusCondition(obj.Status.Conditions, v1.ConditionReady)
	reason, _ := ledger.Recorded(obj)
	return c != nil && c.Reason == reason
}

// release drops the finalizer of a decided request: its execution is over, so deleting it
// needs no call to AWS, and nothing is scheduled for it any more.
func (r *ApprovalRequestReconciler) release(ctx context.Context, obj *v1.ApprovalRequest) error {
	r.checks.forget(obj.UID)
	r.blockedStarts.forget(obj.UID)
	return r.setFinalizer(ctx, obj, false)
}

// setFinalizer adds or removes the stop-execution finalizer with a metadata-only patch (an
// update would send the spec back, re-serialised, and trip its immutability rule).
func (r *ApprovalRequestReconciler) setFinalizer(ctx context.Context, obj *v1.ApprovalRequest, present bool) error {
	if controllerutil.ContainsFinalizer(obj, v1.StopExecutionFinalizer) == present {
		return nil
	}
	base := obj.DeepCopy()
	if present {
		controllerutil.AddFinalizer(obj, v1.StopExecutionFinalizer)
	} else {
		controllerutil.RemoveFinalizer(obj, v1.StopExecutionFinalizer)
	}
	if err := r.Patch(ctx, obj, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("updating the finalizer of %s/%s: %w", obj.Namespace, obj.Name, err)
	}
	return nil
}

// finalize stops a pending request's execution before the request goes. A decided request's
// execution is over, so deleting it does not call AWS.
func (r *ApprovalRequestReconciler) finalize(ctx context.Context, obj *v1.ApprovalRequest) error {
	if !controllerutil.ContainsFinalizer(obj, v1.StopExecutionFinalizer) {
		return nil
	}
	if !approval.Ended(obj.Status.Phase) {
		if err := r.stop(ctx, obj, approval.ErrorStopped, "the ApprovalRequest was deleted"); err != nil {
			return err
		}
	}
	untrackAll(r.Tokens, obj)
	r.checks.forget(obj.UID)
	r.blockedStarts.forget(obj.UID)
	return r.setFinalizer(ctx, obj, false)
}

// SetupWithManager registers the controller: it watches requests, the ApproverDecisions that
// name them, the GatePolicies requests wait for, and wake-ups from the token keeper.
func (r *ApprovalRequestReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &v1.ApproverDecision{}, decisionRequestField, func(o client.Object) []string {
		return []string{o.(*v1.ApproverDecision).Spec.ApprovalRequestName}
	}); err != nil {
		return fmt.Errorf("indexing ApproverDecisions by request: %w", err)
	}
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &v1.ApprovalRequest{}, policyRefField, indexPolicyRef); err != nil {
		return fmt.Errorf("indexing ApprovalRequests by policy: %w", err)
	}
	r.wakeups = make(chan event.GenericEvent, 1024)
	return ctrl.NewControllerManagedBy(mgr).
		For(&v1.ApprovalRequest{}).
		Watches(&v1.ApproverDecision{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
			d := o.(*v1.ApproverDecision)
			return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: d.Namespace, Name: d.Spec.ApprovalRequestName}}}
		})).
		Watches(&v1.GatePolicy{}, handler.EnqueueRequestsFromMapFunc(r.requestsAwaiting)).
		WatchesRawSource(source.Channel(r.wakeups, &handler.EnqueueRequestForObject{})).
		Named("approvalrequest").
		WithOptions(controller.Options{MaxConcurrentReconciles: r.Options.MaxConcurrentReconciles}).
		Complete(r)
}
