package controller

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
)

// decisionSourcePrefix starts the Source of an intent read from an ApproverDecision.
const decisionSourcePrefix = "ApproverDecision/"

// decisionRequestField indexes ApproverDecisions by the request they decide.
const decisionRequestField = "spec.approvalRequestName"

// Authorizer decides whether an intent may be recorded. Every decision, from an annotation or an
// ApproverDecision, passes through it before it touches status; the Identity work replaces the
// default with a SubjectAccessReview-backed check (and runs the same check at admission).
type Authorizer interface {
	Authorize(ctx context.Context, req *v1.ApprovalRequest, in approval.Intent) error
}

// AllowRecorded is the Authorizer until identity checks exist: it takes every intent that names
// a slot of the request.
type AllowRecorded struct{}

// Authorize implements Authorizer.
func (AllowRecorded) Authorize(context.Context, *v1.ApprovalRequest, approval.Intent) error {
	return nil
}

// decisionOutcome is the verdict on one ApproverDecision, written to its status.
type decisionOutcome struct {
	phase   v1.DecisionPhase
	message string
}

// intents gathers the decisions asked of a request: its annotations, then its ApproverDecisions
// (oldest first). Annotation problems become Warning events.
func (r *ApprovalRequestReconciler) intents(ctx context.Context, obj *v1.ApprovalRequest) ([]approval.Intent, map[string]*v1.ApproverDecision, error) {
	intents, problems := approval.FromAnnotations(obj.Annotations)
	for _, p := range problems {
		r.Events.Eventf(obj, nil, corev1.EventTypeWarning, "InvalidDecision", "Record", "%s", p)
	}
	var list v1.ApproverDecisionList
	if err := r.List(ctx, &list, client.InNamespace(obj.Namespace), client.MatchingFields{decisionRequestField: obj.Name}); err != nil {
		return nil, nil, fmt.Errorf("listing the ApproverDecisions of %s/%s: %w", obj.Namespace, obj.Name, err)
	}
	sort.Slice(list.Items, func(i, j int) bool {
		a, b := list.Items[i].CreationTimestamp, list.Items[j].CreationTimestamp
		return a.Before(&b) || a.Equal(&b) && list.Items[i].Name < list.Items[j].Name
	})
	byName := map[string]*v1.ApproverDecision{}
	for i := range list.Items {
		d := &list.Items[i]
		byName[d.Name] = d
		intents = append(intents, approval.Intent{
			Slot:     d.Spec.Approver,
			Decision: d.Spec.Decision,
			Comment:  d.Spec.Comment,
			Source:   decisionSourcePrefix + d.Name,
		})
	}
	return intents, byName, nil
}

// record is the one place a decision enters status. It refuses an intent for an unknown slot, a
// second different decision for a decided slot, a decision on a closed request, and anything the
// Authorizer refuses; it returns the verdict per intent source.
func (r *ApprovalRequestReconciler) record(ctx context.Context, obj *v1.ApprovalRequest, intents []approval.Intent, now metav1.Time) map[string]decisionOutcome {
	outcomes := map[string]decisionOutcome{}
	refuse := func(in approval.Intent, format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		outcomes[in.Source] = decisionOutcome{v1.DecisionRefused, msg}
		if in.Source == approval.SourceAnnotation {
			r.Events.Eventf(obj, nil, corev1.EventTypeWarning, "DecisionRefused", "Record", "annotation for %s refused: %s", in.Slot, msg)
		}
	}
	for _, in := range intents {
		s := slot(obj, in.Slot)
		switch {
		case !hasSlot(obj, in.Slot):
			refuse(in, "the request has no approver slot %q", in.Slot)
		case s == nil:
			// Slots are set up when the execution starts: a request without them never started
			// (record runs only after a start, or on a closed request).
			refuse(in, "the request is already %s", obj.Status.Phase)
		case s.Source == in.Source:
			outcomes[in.Source] = decisionOutcome{v1.DecisionAccepted, fmt.Sprintf("%s recorded for %s", s.Decision, in.Slot)}
		case s.Decision == in.Decision:
			outcomes[in.Source] = decisionOutcome{v1.DecisionAccepted, fmt.Sprintf("a duplicate: %s was already recorded for %s from %s", in.Decision, in.Slot, s.Source)}
		case s.Decision != "":
			refuse(in, "slot %s is already decided: %s by %s (from %s)", in.Slot, s.Decision, orUnknown(s.DecidedBy), orNone(s.Source))
		case isTerminal(obj.Status.Phase):
			refuse(in, "the request is already %s", obj.Status.Phase)
		default:
			if err := r.Authorizer.Authorize(ctx, obj, in); err != nil {
				refuse(in, "not authorized: %v", err)
				continue
			}
			s.Decision, s.Comment, s.Source, s.DecidedAt = in.Decision, in.Comment, in.Source, &now
			s.DecidedBy = orUnknown(in.DecidedBy)
			outcomes[in.Source] = decisionOutcome{v1.DecisionAccepted, fmt.Sprintf("%s recorded for %s", in.Decision, in.Slot)}
			r.Events.Eventf(obj, nil, corev1.EventTypeNormal, "DecisionRecorded", "Record", "%s: %s (from %s)%s", in.Slot, in.Decision, in.Source, commentSuffix(in.Comment))
		}
	}
	return outcomes
}

// reportDecisions writes each ApproverDecision's verdict to its status, with a Warning event on
// the request when one is newly refused.
func (r *ApprovalRequestReconciler) reportDecisions(ctx context.Context, decisions map[string]*v1.ApproverDecision, outcomes map[string]decisionOutcome, obj *v1.ApprovalRequest) error {
	for source, out := range outcomes {
		name, ok := strings.CutPrefix(source, decisionSourcePrefix)
		d := decisions[name]
		if !ok || d == nil {
			continue
		}
		decidedBy := ""
		if s := slot(obj, d.Spec.Approver); s != nil && s.Source == source {
			decidedBy = s.DecidedBy
		}
		if out.phase == v1.DecisionRefused && (d.Status.Phase != out.phase || d.Status.Message != out.message) {
			r.Events.Eventf(obj, d, corev1.EventTypeWarning, "DecisionRefused", "Record", "%s for %s refused: %s", source, d.Spec.Approver, out.message)
		}
		if err := patchDecisionStatus(ctx, r.Client, d, out.phase, out.message, decidedBy); err != nil {
			return err
		}
	}
	return nil
}

// patchDecisionStatus writes an ApproverDecision's status when it changed.
func patchDecisionStatus(ctx context.Context, c client.Client, d *v1.ApproverDecision, phase v1.DecisionPhase, message, decidedBy string) error {
	want := v1.ApproverDecisionStatus{Phase: phase, Message: message, DecidedBy: decidedBy, ObservedGeneration: d.Generation}
	if d.Status == want {
		return nil
	}
	base := d.DeepCopy()
	d.Status = want
	if err := c.Status().Patch(ctx, d, client.MergeFrom(base)); err != nil {
		return fmt.Errorf("patching the status of ApproverDecision %s/%s: %w", d.Namespace, d.Name, client.IgnoreNotFound(err))
	}
	return nil
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
