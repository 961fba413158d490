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

// summarize derives everything in status that follows from the rest, from the request as a
// reader sees it (approval.Read, counting the decisions counted: the verified ones): counts,
// the approvals and waitingFor columns, observedGeneration and the kstatus conditions — a
// request awaiting approvals says what it waits for in the reading's words. It sets the
// conditions of a request that waits; an ended request's are its recorded end's, as the
// ledger wrote them (ledger.Restate).
func summarize(obj *v1.ApprovalRequest, pending progress, counted func(*v1.ApproverStatus) bool) {
	st := &obj.Status
	reading := approval.Read(obj, counted)
	tally := reading.Tally
	st.ApprovedCount, st.RejectedCount = int32(tally.Approved), int32(tally.Rejected)
	st.RequiredApprovals = int32(tally.Required)
	st.Approvals = tally.String()
	st.WaitingFor = reading.WaitingFor(v1.MaxWaitingForLength)
	st.ObservedGeneration = obj.Generation
	gen := obj.Generation
	if pending.reason == v1.ReasonAwaitingApprovals {
		pending.message = reading.Summary()
	}

	set := func(t string, s metav1.ConditionStatus, reason, msg string) {
		meta.SetStatusCondition(&st.Conditions, metav1.Condition{Type: t, Status: s, Reason: reason, Message: msg, ObservedGeneration: gen})
	}
	switch {
	case approval.Ended(st.Phase):
		ledger.Restate(obj)
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
