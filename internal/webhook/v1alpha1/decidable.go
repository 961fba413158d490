package v1alpha1

import (
	"context"
	"errors"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
	"github.com/tollgate-dev/tollgate/internal/identity"
)

// reasonMissing refuses a decision on a request that does not exist.
const reasonMissing = "RequestNotFound"

// decidable refuses a decision the request cannot take whoever makes it: it ended, it is being
// deleted, or the slot is already decided in its ledger.
func decidable(req *v1.ApprovalRequest, slot string) error {
	switch p := req.Status.Phase; {
	case !req.DeletionTimestamp.IsZero():
		return &identity.Refusal{Reason: v1.ReasonRequestClosed, Message: fmt.Sprintf("ApprovalRequest %s is being deleted: it takes no more decisions", req.Name)}
	case p != "" && p != v1.PhasePending:
		return &identity.Refusal{Reason: v1.ReasonRequestClosed, Message: fmt.Sprintf("ApprovalRequest %s is already %s: it takes no more decisions", req.Name, p)}
	}
	for _, s := range req.Status.Approvers {
		if s.Name == slot && s.Decision != "" {
			return &identity.Refusal{Reason: v1.ReasonSlotDecided,
				Message: fmt.Sprintf("slot %s is already decided: %s by %s (from %s); a decision is final", slot, s.Decision, s.DecidedBy, s.Source),
				Brief:   fmt.Sprintf("slot %s of ApprovalRequest %s is already decided; a decision is final", slot, req.Name)}
		}
	}
	return nil
}

// pendingDeciders is who decided which slot of a request so far: its ledger, and the decision
// annotations admitted but not yet recorded by the controller (one person counts once, also
// before the controller caught up).
func pendingDeciders(records *identity.Records, req *v1.ApprovalRequest, slots map[string]approval.SlotAnnotations) map[string]string {
	decided := identity.LedgerDeciders(req)
	for slot, a := range slots {
		if _, ok := decided[slot]; ok || !a.HasRecord {
			continue
		}
		if d, err := records.ReadDecision(a.Record); err == nil && d.Request.UID == string(req.UID) {
			decided[slot] = d.By.Username
		}
	}
	return decided
}

// decisionDeciders adds the ApproverDecisions admitted for a request but not yet recorded.
func decisionDeciders(ctx context.Context, o Options, req *v1.ApprovalRequest, decided map[string]string) error {
	var list v1.ApproverDecisionList
	err := o.Decisions.List(ctx, &list, client.InNamespace(req.Namespace))
	if _, notStarted := errors.AsType[*cache.ErrCacheNotStarted](err); notStarted {
		// The webhook server starts before the manager's caches.
		err = o.Reader.List(ctx, &list, client.InNamespace(req.Namespace))
	}
	if err != nil {
		return fmt.Errorf("listing the ApproverDecisions of %s/%s: %w", req.Namespace, req.Name, err)
	}
	for _, d := range list.Items {
		if d.Spec.ApprovalRequestName != req.Name {
			continue
		}
		rec, err := o.Checker.Records.ReadDecision(d.Annotations[v1.RecordAnnotation])
		if err != nil || rec.Request.UID != string(req.UID) {
			continue
		}
		if _, ok := decided[rec.Slot]; !ok {
			decided[rec.Slot] = rec.By.Username
		}
	}
	return nil
}

// describeRecord says who a record names, for messages.
func describeRecord(records *identity.Records, text string) string {
	d, err := records.ReadDecision(text)
	if err != nil {
		return "by an unverified record"
	}
	return fmt.Sprintf("%s by %s at %s", d.Decision, d.By.Username, d.At.Format("2006-01-02T15:04:05Z"))
}
