package controller

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
	"github.com/tollgate-dev/tollgate/internal/ledger"
)

// statusWriter patches a request's status with a JSON merge patch against the last written
// state, guarded by resourceVersion: a concurrent writer (the activity worker recording a token)
// makes the patch fail with a conflict instead of being overwritten.
type statusWriter struct {
	c    client.Client
	obj  *v1.ApprovalRequest
	base *v1.ApprovalRequest
	// ended is the end this reconcile made of the request, to be announced once a flush wrote it.
	ended *ledger.End
}

// end writes an end into the request (decide) and keeps it for the announcement after the
// flush that makes it durable.
func (w *statusWriter) end(out ledger.Outcome) {
	e := decide(w.obj, out)
	w.ended = &e
}

func newStatusWriter(c client.Client, obj *v1.ApprovalRequest) *statusWriter {
	return &statusWriter{c: c, obj: obj, base: obj.DeepCopy()}
}

// flush writes the status if it changed since the last flush. The ledger depends on it: a
// decision is flushed before it is sent, and its delivery after.
func (w *statusWriter) flush(ctx context.Context) error {
	if err := ledger.Patch(ctx, w.c, w.base, w.obj, observe); err != nil {
		return fmt.Errorf("patching the status of %s/%s: %w", w.obj.Namespace, w.obj.Name, err)
	}
	w.base = w.obj.DeepCopy()
	return nil
}

// commit writes one change that must not be lost to a conflict — the start of the execution,
// the record that a decision was delivered — through the ledger's commit (which re-reads and
// re-applies it on a conflict instead of failing the reconcile and sending again), and
// replaces the writer's object with the request as stored. Callers flush their own changes
// first, and find slots again by name afterwards: the object's status is a new one.
func (w *statusWriter) commit(ctx context.Context, reader client.Reader, change func(*v1.ApprovalRequest)) error {
	latest, err := ledger.Commit(ctx, w.c, reader, client.ObjectKeyFromObject(w.obj), w.base, func(o *v1.ApprovalRequest) (bool, error) {
		change(o)
		return true, nil
	}, observe)
	if err != nil {
		return err
	}
	w.reset(latest)
	return nil
}

// reset makes the writer go on from the request as stored: its object, and the base of its
// next patch.
func (w *statusWriter) reset(latest *v1.ApprovalRequest) {
	*w.obj = *latest
	w.base = latest.DeepCopy()
}

// progress describes a request that has not ended: why it waits, and whether it is stuck on
// something only an administrator can fix (Stalled) rather than making progress (Reconciling).
type progress struct {
	reason, message string
	stalled         bool
}

// summarize derives everything in status that follows from the rest: counts (of the decisions
// counted, the verified ones), the approvals column, observedGeneration and the kstatus
// conditions. It is the one place conditions are set.
func summarize(obj *v1.ApprovalRequest, pending progress, counted func(*v1.ApproverStatus) bool) {
	st := &obj.Status
	tally := approval.TallyOf(obj, counted)
	st.ApprovedCount, st.RejectedCount = int32(tally.Approved), int32(tally.Rejected)
	st.RequiredApprovals = int32(tally.Required)
	st.Approvals = tally.String()
	st.ObservedGeneration = obj.Generation
	gen := obj.Generation

	set := func(t string, s metav1.ConditionStatus, reason, msg string) {
		meta.SetStatusCondition(&st.Conditions, metav1.Condition{Type: t, Status: s, Reason: reason, Message: msg, ObservedGeneration: gen})
	}
	switch {
	case st.Phase == v1.PhaseApproved:
		msg := fmt.Sprintf("Approved: %s approvals (%s)", st.Approvals, ledger.Deciders(obj, v1.DecisionApprove))
		set(v1.ConditionApproved, metav1.ConditionTrue, v1.ReasonApproved, msg)
		set(v1.ConditionReady, metav1.ConditionTrue, v1.ReasonApproved, msg)
		meta.RemoveStatusCondition(&st.Conditions, v1.ConditionReconciling)
		meta.RemoveStatusCondition(&st.Conditions, v1.ConditionStalled)
	case approval.Ended(st.Phase):
		reason, msg := terminalCondition(obj)
		if st.Phase == v1.PhaseRejected {
			set(v1.ConditionRejected, metav1.ConditionTrue, reason, msg)
		}
		set(v1.ConditionReady, metav1.ConditionFalse, reason, msg)
		set(v1.ConditionStalled, metav1.ConditionTrue, reason, msg)
		meta.RemoveStatusCondition(&st.Conditions, v1.ConditionReconciling)
	case pending.stalled:
		set(v1.ConditionReady, metav1.ConditionFalse, pending.reason, pending.message)
		set(v1.ConditionStalled, metav1.ConditionTrue, pending.reason, pending.message)
		meta.RemoveStatusCondition(&st.Conditions, v1.ConditionReconciling)
	default:
		set(v1.ConditionReady, metav1.ConditionFalse, pending.reason, pending.message)
		set(v1.ConditionReconciling, metav1.ConditionTrue, pending.reason, pending.message)
		meta.RemoveStatusCondition(&st.Conditions, v1.ConditionStalled)
	}
}

// terminalCondition is the reason and message of a request's end: what the step that ended it
// said (kept in the Stalled condition by fail), else a default for the phase.
func terminalCondition(obj *v1.ApprovalRequest) (reason, message string) {
	phase := string(obj.Status.Phase)
	if c := meta.FindStatusCondition(obj.Status.Conditions, v1.ConditionStalled); c != nil && c.Message != "" &&
		(c.Reason == phase || c.Reason == v1.ReasonUnverifiedOutcome && obj.Status.Phase == v1.PhaseFailed) {
		return c.Reason, c.Message
	}
	switch obj.Status.Phase {
	case v1.PhaseRejected:
		return phase, "Rejected by " + ledger.Deciders(obj, v1.DecisionReject)
	case v1.PhaseExpired:
		return phase, "Expired: no verdict before the timeout"
	case v1.PhaseAborted:
		return phase, "Aborted: the execution was stopped"
	}
	return phase, "Failed"
}

// waitingFor lists the slots still undecided.
func waitingFor(obj *v1.ApprovalRequest) []string {
	var names []string
	for _, s := range obj.Status.Approvers {
		if s.Decision == "" {
			names = append(names, s.Name)
		}
	}
	return names
}
