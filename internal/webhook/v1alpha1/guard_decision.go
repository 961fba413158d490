package v1alpha1

import (
	"context"
	"fmt"
	"slices"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
	"github.com/tollgate-dev/tollgate/internal/identity"
)

// kindApproverDecision is the kind of an ApproverDecision (in errors).
const kindApproverDecision = "ApproverDecision"

// DecisionGuard is the validating half of ApproverDecision admission, and where its identity
// check runs. It reads the decision as it will be stored and refuses, whoever writes and
// whatever mutated the write: on CREATE, a decision for a request that does not exist or takes
// no decision, one its creator may not make (identity.Checker.MayDecide, for the person the API
// server authenticated), and one without the record of it for its creator, bound to the
// request's UID and owned by it; on UPDATE, a changed record, and finalizers or owner
// references changed by anyone but the operator and Kubernetes' own controllers. A decision it
// cannot read is refused.
type DecisionGuard struct {
	Options
	decoder admission.Decoder
}

// Handle implements admission.Handler.
func (h *DecisionGuard) Handle(ctx context.Context, req admission.Request) admission.Response {
	d := &v1.ApproverDecision{}
	if err := decodeIgnoringStatus(h.decoder, req.Object, d); err != nil {
		return unreadable(req.Name, kindApproverDecision, err)
	}
	user := identity.FromUserInfo(req.UserInfo)
	if req.Operation == admissionv1.Create {
		if err := h.created(ctx, d, user); err != nil {
			// The refusal speaks of another object, which the caller may not read: briefly.
			return deny(nameOf(d), identity.Briefly(err))
		}
		return admission.Allowed("")
	}
	old := &v1.ApproverDecision{}
	if err := decodeIgnoringStatus(h.decoder, req.OldObject, old); err != nil {
		return unreadable(req.Name, kindApproverDecision, err)
	}
	var errs field.ErrorList
	if old.Annotations[v1.RecordAnnotation] != d.Annotations[v1.RecordAnnotation] {
		errs = append(errs, field.Forbidden(annotationPath(v1.RecordAnnotation), "tollgate's admission wrote it when the decision was created: it cannot be changed or removed"))
	}
	errs = append(errs, h.metadataErrors(old, d, user)...)
	if len(errs) > 0 {
		return deny(d.Name, invalid{kind: kindApproverDecision, errs: errs})
	}
	return admission.Allowed("")
}

// created checks a new decision: its request exists and takes it, its creator may make it, and
// it carries the record of exactly this decision for its creator, bound to the request it is
// owned by.
func (h *DecisionGuard) created(ctx context.Context, d *v1.ApproverDecision, user identity.User) error {
	req, err := h.requestOf(ctx, d)
	switch {
	case err != nil:
		return err
	case req == nil:
		return &identity.Refusal{Reason: reasonMissing, Message: fmt.Sprintf(
			"ApprovalRequest %q does not exist in namespace %s: a decision is given to a request that exists (create the request first)", d.Spec.ApprovalRequestName, d.Namespace)}
	}
	if err := decidable(req, d.Spec.Approver); err != nil {
		return err
	}
	slots, _ := approval.DecisionAnnotations(req.Annotations)
	decided := pendingDeciders(h.Checker.Records, req, slots)
	if err := decisionDeciders(ctx, h.Options, req, decided); err != nil {
		return err
	}
	if err := h.Checker.MayDecide(ctx, req, d.Spec.Approver, user, decided); err != nil {
		return err
	}
	path := annotationPath(v1.RecordAnnotation)
	owned := slices.ContainsFunc(d.OwnerReferences, func(o metav1.OwnerReference) bool { return isRequestOwner(o) && o.UID == req.UID })
	rec, err := h.Checker.Records.VerifyWrite(d.Annotations[v1.RecordAnnotation], req, d.Spec.Approver, d.Spec.Decision, d.Spec.Comment, identity.ViaApproverDecision)
	var errs field.ErrorList
	switch {
	case !owned:
		errs = append(errs, field.Forbidden(field.NewPath("metadata", "ownerReferences"), fmt.Sprintf(
			"a decision is owned by its request, ApprovalRequest %s (uid %s), as tollgate's admission makes it: it has no such owner", req.Name, req.UID)))
	case err != nil:
		errs = append(errs, field.Forbidden(path, fmt.Sprintf("the decision carries no record of tollgate's admission: %v", err)))
	case rec.By.Username != user.Username:
		errs = append(errs, field.Forbidden(path, fmt.Sprintf("the record was admitted for %s, and %s is creating the decision: a decision is written by its decider", rec.By, user)))
	}
	if len(errs) > 0 {
		return invalid{kind: kindApproverDecision, errs: errs}
	}
	return nil
}

// nameOf names a decision for messages, also before the API server generated its name.
func nameOf(d *v1.ApproverDecision) string {
	if d.Name == "" {
		return d.GenerateName + "…"
	}
	return d.Name
}
