package controller

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
	"github.com/tollgate-dev/tollgate/internal/identity"
	"github.com/tollgate-dev/tollgate/internal/ledger"
	"github.com/tollgate-dev/tollgate/internal/stepfunctions"
)

// Ends remembers the requests whose end this operator wrote or confirmed, so that their stored
// end is not looked at again while it runs. It holds the ends the verified ledger cannot
// confirm by itself (Failed, Aborted, and Expired ahead of the cluster's clock); the reconciler
// and the activity router share it.
type Ends struct {
	mu   sync.Mutex
	uids map[types.UID]struct{}
}

// remember notes that the stored end of uid is this operator's.
func (e *Ends) remember(uid types.UID) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.uids == nil {
		e.uids = map[types.UID]struct{}{}
	}
	e.uids[uid] = struct{}{}
}

// forget drops uid (its end was not written after all).
func (e *Ends) forget(uid types.UID) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.uids, uid)
}

func (e *Ends) known(uid types.UID) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, ok := e.uids[uid]
	return ok
}

// rememberEnd notes an end this operator is writing, when only the execution could confirm it.
func (e *Ends) rememberEnd(obj *v1.ApprovalRequest, supported error) {
	if supported != nil && approval.Ended(obj.Status.Phase) {
		e.remember(obj.UID)
	}
}

// confirmEnd reads the end a request's status claims as a claim, never as a fact: status can be
// written by whoever acts as the operator, and its admission can refuse only what the verified
// ledger disproves. The claim stands when this operator wrote it or the verified ledger supports
// it (approval.SupportsEnd). Else the execution decides: a request the operator was following is
// looked at at once (someone else just wrote its end); one met first after a restart at a place
// within the idle period (spread), so that a restart does not spend the DescribeExecution quota
// at once. A claim the execution does not bear out is put back to what it and the ledger say —
// Pending while the execution runs, the true end once it ended — in one write, with a Warning
// event (UnconfirmedEnd). It returns how long until the claim is looked at (0: now settled).
func (r *ApprovalRequestReconciler) confirmEnd(ctx context.Context, obj *v1.ApprovalRequest, w *statusWriter) (time.Duration, error) {
	now := r.Clock.Now()
	if r.Ends.known(obj.UID) || identity.SupportsEnd(obj, now) == nil {
		return 0, nil
	}
	if _, scheduled := r.checks.wait(obj.UID, now); !scheduled {
		wait := spread(obj.UID, r.idleDelay(), r.Options.MinFollowDelay)
		r.checks.checkAt(obj.UID, now.Add(wait))
		return wait, nil
	}
	truth, err := r.executionTruth(ctx, obj, now)
	if err != nil {
		return 0, err
	}
	claimed := obj.Status.Phase
	if truth.phase != v1.PhasePending && truth.phase != "" {
		if ledger.Decide(obj, identity.Verified(obj), reported(truth.phase, truth.failure, truth.at)).Phase == claimed {
			r.Ends.remember(obj.UID)
			r.checks.forget(obj.UID)
			return 0, nil
		}
	}
	reopen(obj, truth.phase)
	what := fmt.Sprintf("status said %s, which tollgate did not write and its ledger does not support: ", claimed)
	switch truth.phase {
	case v1.PhasePending:
		what += fmt.Sprintf("the execution %s is still running; the request is Pending again", obj.Status.ExecutionARN)
		summarize(obj, progress{reason: v1.ReasonUnconfirmedEnd, message: what}, identity.Verified(obj))
	case "":
		what += "no execution of it is on record; it is started again"
	default:
		w.end(reported(truth.phase, truth.failure, truth.at))
		summarize(obj, progress{}, identity.Verified(obj))
		what += fmt.Sprintf("the execution ended %s", obj.Status.Phase)
	}
	r.Ends.rememberEnd(obj, identity.SupportsEnd(obj, now))
	if err := w.flush(ctx); err != nil {
		return 0, err
	}
	r.Events.Eventf(obj, nil, corev1.EventTypeWarning, v1.ReasonUnconfirmedEnd, "Confirm", "%s", what)
	return 0, nil
}

// executionTruth is how the request's execution stands. A request with no execution on record
// either could not start (its input does not build: the end stands) or never started: its
// execution is looked for under its deterministic name, and when there is none the truth is
// "not started" (phase ""), which the start step then settles.
func (r *ApprovalRequestReconciler) executionTruth(ctx context.Context, obj *v1.ApprovalRequest, now time.Time) (reportedEnd, error) {
	arn := obj.Status.ExecutionARN
	if arn == "" {
		input, err := approval.BuildExecutionInput(obj, r.Options.ClusterID, r.Options.HeartbeatSeconds)
		if errors.Is(err, approval.ErrPolicyNotCaptured) {
			// Under a GatePolicy it has not captured it has no input to compare an execution
			// under its name with: it is not started, and the start step captures the policy and
			// adopts such an execution only when it carries the request's input.
			return reportedEnd{}, nil
		}
		if err != nil {
			return reportedEnd{phase: v1.PhaseFailed, failure: err.Error()}, nil
		}
		if r.machineOf(obj) == "" {
			return reportedEnd{}, nil
		}
		arn = approval.ExecutionARNOf(r.machineOf(obj), approval.ExecutionName(obj))
		var theirs notOurs
		switch err := r.adoptable(ctx, arn, input); {
		case stepfunctions.Classify(err) == stepfunctions.Gone:
			return reportedEnd{}, nil
		case errors.As(err, &theirs):
			return reportedEnd{phase: v1.PhaseFailed, failure: theirs.msg, at: metav1.NewTime(now)}, nil
		case err != nil:
			return reportedEnd{}, err
		}
	}
	return r.describeEnd(ctx, obj, arn, now)
}

// reopen takes back an end: the phase goes to what the execution says (Pending, or "" when it
// never started), and with it the end's marks — completion, closed slots, the verdict's
// conditions. The caller sets the conditions that follow.
func reopen(obj *v1.ApprovalRequest, phase v1.Phase) {
	st := &obj.Status
	st.Phase, st.CompletedAt, st.Ended = phase, nil, nil
	for i := range st.Approvers {
		if st.Approvers[i].Decision == v1.DecisionNotRequired {
			st.Approvers[i].Decision = ""
		}
	}
	for _, t := range []string{v1.ConditionApproved, v1.ConditionRejected, v1.ConditionStalled} {
		meta.RemoveStatusCondition(&st.Conditions, t)
	}
}
