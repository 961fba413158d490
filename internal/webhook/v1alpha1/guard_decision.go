package v1alpha1

import (
	"context"
	"fmt"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/identity"
)

// kindApproverDecision is the kind of an ApproverDecision (in errors).
const kindApproverDecision = "ApproverDecision"

// DecisionGuard is the validating half of ApproverDecision admission. It reads the decision as
// it will be stored and refuses, whoever writes and whatever mutated the write: on CREATE, a
// decision without tollgate's record of it for its creator, bound to the request its owner
// reference names; on UPDATE, a changed record, and finalizers or owner references changed by
// anyone but the operator and Kubernetes' own controllers. A decision it cannot read is refused.
type DecisionGuard struct {
	Options
	decoder admission.Decoder
}

// Handle implements admission.Handler.
func (h *DecisionGuard) Handle(_ context.Context, req admission.Request) admission.Response {
	d := &v1.ApproverDecision{}
	if err := decodeIgnoringStatus(h.decoder, req.Object, d); err != nil {
		return unreadable(req.Name, kindApproverDecision, err)
	}
	var errs field.ErrorList
	switch req.Operation {
	case admissionv1.Create:
		errs = h.created(d, identity.FromUserInfo(req.UserInfo))
	case admissionv1.Update:
		old := &v1.ApproverDecision{}
		if err := decodeIgnoringStatus(h.decoder, req.OldObject, old); err != nil {
			return unreadable(req.Name, kindApproverDecision, err)
		}
		if old.Annotations[v1.RecordAnnotation] != d.Annotations[v1.RecordAnnotation] {
			errs = append(errs, field.Forbidden(annotationPath(v1.RecordAnnotation), "tollgate's admission wrote it when the decision was created: it cannot be changed or removed"))
		}
		errs = append(errs, h.metadataErrors(old, d, identity.FromUserInfo(req.UserInfo))...)
	}
	if len(errs) > 0 {
		return deny(d.Name, invalid{kind: kindApproverDecision, errs: errs})
	}
	return admission.Allowed("")
}

// created checks that a new decision carries tollgate's record of exactly this decision, for
// the person creating it, bound to the request it is owned by.
func (h *DecisionGuard) created(d *v1.ApproverDecision, user identity.User) field.ErrorList {
	path := annotationPath(v1.RecordAnnotation)
	var owner *metav1.OwnerReference
	for i := range d.OwnerReferences {
		if o := &d.OwnerReferences[i]; isRequestOwner(*o) && o.Name == d.Spec.ApprovalRequestName {
			owner = o
		}
	}
	if owner == nil {
		return field.ErrorList{field.Forbidden(field.NewPath("metadata", "ownerReferences"), fmt.Sprintf(
			"a decision is owned by its request, ApprovalRequest %s, as tollgate's admission makes it: it has no such owner", d.Spec.ApprovalRequestName))}
	}
	req := &v1.ApprovalRequest{ObjectMeta: metav1.ObjectMeta{Namespace: d.Namespace, Name: owner.Name, UID: owner.UID}}
	rec, err := h.Checker.Records.VerifyWrite(d.Annotations[v1.RecordAnnotation], req, d.Spec.Approver, d.Spec.Decision, d.Spec.Comment, identity.ViaApproverDecision)
	switch {
	case err != nil:
		return field.ErrorList{field.Forbidden(path, fmt.Sprintf("the decision carries no record of tollgate's admission: %v", err))}
	case rec.By.Username != user.Username:
		return field.ErrorList{field.Forbidden(path, fmt.Sprintf("the record was admitted for %s, and %s is creating the decision: a decision is written by its decider", rec.By, user))}
	}
	return nil
}
