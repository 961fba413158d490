package controller

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
	"github.com/tollgate-dev/tollgate/internal/identity"
	"github.com/tollgate-dev/tollgate/internal/ledger"
	"github.com/tollgate-dev/tollgate/internal/metrics"
)

// decisionRequestField indexes ApproverDecisions by the request they decide.
const decisionRequestField = "spec.approvalRequestName"

// decisionOutcome is the verdict on one ApproverDecision, written to its status.
type decisionOutcome struct {
	phase   v1.DecisionPhase
	message string
	// reason names why a decision was refused (identity's reasons).
	reason string
}

// intents gathers the decisions asked of a request: its annotations, then its ApproverDecisions
// (oldest first), each with the admission webhook's record. Annotation problems become Warning
// events.
func (r *ApprovalRequestReconciler) intents(ctx context.Context, obj *v1.ApprovalRequest) ([]approval.Intent, map[string]*v1.ApproverDecision, error) {
	intents, problems := approval.FromAnnotations(obj.Annotations)
	for _, p := range problems {
		r.Events.Eventf(obj, nil, corev1.EventTypeWarning, v1.ReasonInvalidDecision, "Record", "%s", p)
	}
	var list v1.ApproverDecisionList
	if err := r.List(ctx, &list, client.InNamespace(obj.Namespace), client.MatchingFields{decisionRequestField: obj.Name}); err != nil {
		return nil, nil, fmt.Errorf("listing the ApproverDecisions of %s/%s: %w", obj.Namespace, obj.Name, err)
	}
	slices.SortFunc(list.Items, func(a, b v1.ApproverDecision) int {
		if c := a.CreationTimestamp.Compare(b.CreationTimestamp.Time); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	})
	byName := map[string]*v1.ApproverDecision{}
	for i := range list.Items {
		d := &list.Items[i]
		byName[d.Name] = d
		intents = append(intents, approval.Intent{
			Slot:     d.Spec.Approver,
			Decision: d.Spec.Decision,
			Comment:  d.Spec.Comment,
			Record:   d.Annotations[v1.RecordAnnotation],
			Source:   approval.SourceDecisionPrefix + d.Name,
		})
	}
	return intents, byName, nil
}

// record is the one place a decision enters status. It takes an intent only when its record
// reads and is bound to this request's UID, slot, verdict and comment, and the person it names
// is still eligible (identity.Checker.Eligible). The record is trusted because tollgate's
// admission checked, when it was written, that it names its writer and that they may decide —
// which holds only while that admission is in force (admissionGate). It also refuses a second
// different decision for a decided slot and a decision on a closed request, and returns the
// verdict per intent source.
func (r *ApprovalRequestReconciler) record(obj *v1.ApprovalRequest, intents []approval.Intent) map[string]decisionOutcome {
	outcomes := map[string]decisionOutcome{}
	refuse := func(in approval.Intent, reason, format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		outcomes[in.Source] = decisionOutcome{v1.DecisionRefused, msg, reason}
		if in.Source == approval.SourceAnnotation {
			// An annotation stays where it is: it is refused (and counted) again on each
			// reconcile of its request, as its event repeats.
			countRefusal(in.Source, in.Decision, reason)
			r.Events.Eventf(obj, nil, corev1.EventTypeWarning, v1.ReasonDecisionRefused, "Record", "annotation for %s refused: %s", in.Slot, msg)
		}
	}
	for _, in := range intents {
		s := approval.Entry(obj, in.Slot)
		rec, verr := r.verify(obj, in)
		switch {
		case !hasSlot(obj, in.Slot):
			refuse(in, v1.ReasonUnknownSlot, "the request has no approver slot %q", in.Slot)
		case verr != nil:
			refuse(in, v1.ReasonUnverifiedDecision, "not on record: %v", verr)
		case s == nil:
			// Slots are set up when the execution starts: a request without them never started
			// (record runs only after a start, or on a closed request).
			refuse(in, v1.ReasonRequestClosed, "the request is already %s", obj.Status.Phase)
		case s.Record == in.Record:
			outcomes[in.Source] = decisionOutcome{phase: v1.DecisionAccepted, message: fmt.Sprintf("%s recorded for %s", s.Decision, in.Slot)}
		case s.Decision == in.Decision:
			outcomes[in.Source] = decisionOutcome{phase: v1.DecisionAccepted, message: fmt.Sprintf("a duplicate: %s was already recorded for %s from %s", in.Decision, in.Slot, s.Source)}
		case s.Decision != "":
			refuse(in, v1.ReasonSlotDecided, "slot %s is already decided: %s by %s (from %s)", in.Slot, s.Decision, orUnknown(s.DecidedBy), orNone(s.Source))
		case approval.Ended(obj.Status.Phase):
			refuse(in, v1.ReasonRequestClosed, "the request is already %s", obj.Status.Phase)
		default:
			// Eligibility again, for the person the record names; the verb approve was asked at
			// admission, with their whole identity (a record keeps only what an audit needs).
			if refusal, ok := identity.AsRefusal(r.Identity.Eligible(obj, in.Slot, rec.By, identity.LedgerDeciders(obj))); ok {
				refuse(in, refusal.Reason, "%s", refusal.Message)
				continue
			}
			decidedAt := metav1.NewTime(rec.At)
			s.Decision, s.Comment, s.Source, s.Record, s.DecidedBy = in.Decision, in.Comment, in.Source, in.Record, rec.By.Username
			s.DecidedAt = &decidedAt
			outcomes[in.Source] = decisionOutcome{phase: v1.DecisionAccepted, message: fmt.Sprintf("%s recorded for %s", in.Decision, in.Slot)}
			r.Events.Eventf(obj, nil, corev1.EventTypeNormal, v1.ReasonDecisionRecorded, "Record", "%s: %s by %s (from %s)%s", in.Slot, in.Decision, rec.By.Username, in.Source, commentSuffix(in.Comment))
		}
	}
	return outcomes
}

// verify reads an intent's record and checks it was admitted for exactly this intent.
func (r *ApprovalRequestReconciler) verify(obj *v1.ApprovalRequest, in approval.Intent) (identity.Decision, error) {
	rec, err := r.Identity.Records.VerifyWrite(in.Record, obj, in.Slot, in.Decision, in.Comment, viaOf(in.Source))
	if errors.Is(err, identity.ErrUnverified) {
		return rec, fmt.Errorf("%w (decided without tollgate's admission webhook?)", err)
	}
	if err != nil {
		return rec, err
	}
	if utf8.RuneCountInString(in.Comment) > v1.MaxCommentLength {
		return rec, fmt.Errorf("the comment is longer than %d characters", v1.MaxCommentLength)
	}
	return rec, nil
}

// viaOf is the path an intent source took, as records name it.
func viaOf(source string) string {
	if strings.HasPrefix(source, approval.SourceDecisionPrefix) {
		return identity.ViaApproverDecision
	}
	return identity.ViaAnnotation
}

// reportDecisions writes each ApproverDecision's verdict to its status, with a Warning event on
// the request when one is newly refused.
func (r *ApprovalRequestReconciler) reportDecisions(ctx context.Context, decisions map[string]*v1.ApproverDecision, outcomes map[string]decisionOutcome, obj *v1.ApprovalRequest) error {
	for source, out := range outcomes {
		name, ok := strings.CutPrefix(source, approval.SourceDecisionPrefix)
		d := decisions[name]
		if !ok || d == nil {
			continue
		}
		decidedBy := ""
		if rec, err := r.Identity.Records.ReadDecision(d.Annotations[v1.RecordAnnotation]); err == nil {
			decidedBy = rec.By.Username
		}
		if out.phase == v1.DecisionRefused && (d.Status.Phase != out.phase || d.Status.Message != out.message) {
			countRefusal(source, d.Spec.Decision, out.reason)
			r.Events.Eventf(obj, d, corev1.EventTypeWarning, v1.ReasonDecisionRefused, "Record", "%s for %s refused: %s", source, d.Spec.Approver, out.message)
		}
		if err := patchDecisionStatus(ctx, r.Client, d, out.phase, out.message, decidedBy); err != nil {
			return err
		}
	}
	return nil
}

// patchDecisionStatus writes an ApproverDecision's status when it changed.
func patchDecisionStatus(ctx context.Context, c client.Client, d *v1.ApproverDecision, phase v1.DecisionPhase, message, decidedBy string) error {
	return ledger.PatchDecision(ctx, c, d, v1.ApproverDecisionStatus{Phase: phase, Message: message, DecidedBy: decidedBy, ObservedGeneration: d.Generation})
}

// countRefusal counts a decision the ledger refused.
func countRefusal(source string, d v1.Decision, reason string) {
	metrics.Decision(viaOf(source), d, metrics.ResultRefused)
	metrics.Refusal(metrics.StageLedger, reason)
}

func orUnknown(who string) string {
	if who == "" {
		return "unverified"
	}
	return who
}

func orNone(source string) string {
	if source == "" {
		return "the operator"
	}
	return source
}

func commentSuffix(c string) string {
	if c == "" {
		return ""
	}
	return ": " + c
}

// decisionNamed finds a request's ApproverDecisions by name (for identity.Backed).
func decisionNamed(decisions map[string]*v1.ApproverDecision) func(string) *v1.ApproverDecision {
	return func(name string) *v1.ApproverDecision { return decisions[name] }
}
