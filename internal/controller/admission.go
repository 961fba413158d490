package controller

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
)

// Admission says whether tollgate's admission vouches for what was written: records are not
// signed, so a decision counts because admission checked, when it was written, that its record
// names its writer and that they may decide — which holds only while admission is in force
// (internal/admission watches it).
type Admission interface {
	// InForce reports whether tollgate's admission is in force now, and why not.
	InForce() (bool, string)
	// WrittenWhileAway reports whether a record first appeared, on holder (the request or the
	// decision that carries it), while tollgate's admission was not in force. An error means it
	// cannot be told yet: ask again shortly.
	WrittenWhileAway(ctx context.Context, holder types.UID, record string) (bool, error)
}

// heldRetry is how often a request whose decisions are held looks at admission again, when no
// change of admission wakes it first (WakeHeld).
const heldRetry = 5 * time.Second

// held remembers the requests whose decisions are held, to wake them when admission is in force.
type held struct {
	mu   sync.Mutex
	keys map[client.ObjectKey]struct{}
}

// holding notes a request whose decisions are held.
func (r *ApprovalRequestReconciler) holding(key client.ObjectKey) {
	r.held.mu.Lock()
	defer r.held.mu.Unlock()
	if r.held.keys == nil {
		r.held.keys = map[client.ObjectKey]struct{}{}
	}
	r.held.keys[key] = struct{}{}
}

// WakeHeld queues again every request whose decisions are held (admission is in force again).
func (r *ApprovalRequestReconciler) WakeHeld() {
	r.held.mu.Lock()
	keys := r.held.keys
	r.held.keys = nil
	r.held.mu.Unlock()
	for key := range keys {
		r.Wake(key)
	}
}

// screen takes out of the intents those tollgate's admission does not vouch for. A decision
// written while admission was not in force is taken back: its annotations removed, or its
// ApproverDecision deleted, with a Warning event — its person decides again (what was written
// then cannot be told from a forgery). While admission is not in force now, nothing new is
// recorded: the intents are held and the request says why. Intents already in the ledger pass.
func (r *ApprovalRequestReconciler) screen(ctx context.Context, obj *v1.ApprovalRequest, intents []approval.Intent, decisions map[string]*v1.ApproverDecision) ([]approval.Intent, *progress, error) {
	inForce, why := r.Admission.InForce()
	var kept []approval.Intent
	held := 0
	for _, in := range intents {
		if s := approval.Entry(obj, in.Slot); s == nil || s.Decision != "" || approval.Ended(obj.Status.Phase) {
			kept = append(kept, in) // nothing to record: in the ledger already, or record refuses it
			continue
		}
		if _, err := r.Identity.Records.VerifyWrite(in.Record, obj, in.Slot, in.Decision, in.Comment, viaOf(in.Source)); err != nil {
			kept = append(kept, in) // record refuses it, saying why
			continue
		}
		holder := obj.UID
		if name, ok := strings.CutPrefix(in.Source, approval.SourceDecisionPrefix); ok && decisions[name] != nil {
			holder = decisions[name].UID
		}
		away, err := r.Admission.WrittenWhileAway(ctx, holder, in.Record)
		switch {
		case err != nil:
			return nil, nil, fmt.Errorf("telling whether the decision of %s was written while tollgate's admission was in force: %w", in.Slot, err)
		case away:
			if err := r.takeBack(ctx, obj, in); err != nil {
				return nil, nil, err
			}
		case !inForce:
			held++
		default:
			kept = append(kept, in)
		}
	}
	if inForce || held == 0 && !undelivered(obj) {
		return kept, nil, nil
	}
	hold := &progress{reason: v1.ReasonAdmissionNotInForce, message: fmt.Sprintf(
		"tollgate's admission is not in force (%s): decisions are neither recorded nor sent until it is", why)}
	if c := meta.FindStatusCondition(obj.Status.Conditions, v1.ConditionReady); c == nil || c.Message != hold.message {
		r.Events.Eventf(obj, nil, corev1.EventTypeWarning, v1.ReasonAdmissionNotInForce, "Record", "%s", hold.message)
	}
	return kept, hold, nil
}

// undelivered reports whether the request has a recorded decision not yet sent.
func undelivered(obj *v1.ApprovalRequest) bool {
	for _, s := range obj.Status.Approvers {
		if (s.Decision == v1.DecisionApprove || s.Decision == v1.DecisionReject) && s.SentAt == nil {
			return true
		}
	}
	return false
}

// takeBack removes a decision written while tollgate's admission was not in force: the slot's
// decision annotations, or the ApproverDecision.
func (r *ApprovalRequestReconciler) takeBack(ctx context.Context, obj *v1.ApprovalRequest, in approval.Intent) error {
	what := "its annotations are removed"
	if name, ok := strings.CutPrefix(in.Source, approval.SourceDecisionPrefix); ok {
		what = "it is deleted"
		d := &v1.ApproverDecision{}
		d.Namespace, d.Name = obj.Namespace, name
		if err := client.IgnoreNotFound(r.Delete(ctx, d)); err != nil {
			return fmt.Errorf("deleting ApproverDecision %s/%s, written while tollgate's admission was not in force: %w", obj.Namespace, name, err)
		}
	} else if err := r.removeDecisionAnnotations(ctx, obj, in.Slot); err != nil {
		return err
	}
	countRefusal(in.Source, in.Decision, v1.ReasonAdmissionNotInForce)
	r.Events.Eventf(obj, nil, corev1.EventTypeWarning, v1.ReasonDecisionRefused, "Record",
		"%s for %s refused: it was written while tollgate's admission was not in force, when nobody checked who wrote it; %s, and the slot's people decide again", in.Source, in.Slot, what)
	return nil
}

// removeDecisionAnnotations removes a slot's decision, comment and record annotations.
func (r *ApprovalRequestReconciler) removeDecisionAnnotations(ctx context.Context, obj *v1.ApprovalRequest, slot string) error {
	key := v1.DecisionAnnotationPrefix + slot
	patch := fmt.Appendf(nil, `{"metadata":{"annotations":{%q:null,%q:null,%q:null}}}`, key, key+v1.DecisionCommentSuffix, key+v1.DecisionRecordSuffix)
	if err := client.IgnoreNotFound(r.Patch(ctx, obj.DeepCopy(), client.RawPatch("application/merge-patch+json", patch))); err != nil {
		return fmt.Errorf("removing the decision annotations of slot %s of %s/%s, written while tollgate's admission was not in force: %w", slot, obj.Namespace, obj.Name, err)
	}
	return nil
}
