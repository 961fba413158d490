package v1alpha1

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"

	admissionv1 "k8s.io/api/admission/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
	"github.com/tollgate-dev/tollgate/internal/identity"
)

// DecisionAdmission is the mutating half of ApproverDecision admission, on CREATE: the request
// must exist; the decision passes the identity check in the name of its creator, is bound to the
// request's UID (a signed record) and owned by the request, so it goes with it and never counts
// for a namesake. DecisionGuard refuses any later change of the record or the owner reference
// (the spec is immutable by schema).
type DecisionAdmission struct {
	Options
	decoder admission.Decoder
}

// Handle implements admission.Handler.
func (h *DecisionAdmission) Handle(ctx context.Context, req admission.Request) admission.Response {
	d := &v1.ApproverDecision{}
	if err := decodeIgnoringStatus(h.decoder, req.Object, d); err != nil {
		return malformed()
	}
	if req.Operation != admissionv1.Create {
		return admission.Allowed("")
	}
	return h.create(ctx, d, identity.FromUserInfo(req.UserInfo))
}

func (h *DecisionAdmission) create(ctx context.Context, d *v1.ApproverDecision, user identity.User) admission.Response {
	if d.Spec.ApprovalRequestName == "" || d.Spec.Approver == "" || d.Spec.Decision != v1.DecisionApprove && d.Spec.Decision != v1.DecisionReject {
		// Mutating admission runs before the schema: leave a malformed decision to the schema,
		// which names the field. Unrecorded, it is refused by the guard if the schema lets it by.
		return admission.Allowed("")
	}
	name := d.Name
	if name == "" {
		name = d.GenerateName + "…"
	}
	req := &v1.ApprovalRequest{}
	err := h.Reader.Get(ctx, client.ObjectKey{Namespace: d.Namespace, Name: d.Spec.ApprovalRequestName}, req)
	switch {
	case apierrors.IsNotFound(err):
		return deny(name, &identity.Refusal{Reason: reasonMissing, Message: fmt.Sprintf(
			"ApprovalRequest %q does not exist in namespace %s: a decision is given to a request that exists (create the request first)", d.Spec.ApprovalRequestName, d.Namespace)})
	case err != nil:
		return admission.Errored(http.StatusInternalServerError, fmt.Errorf("reading ApprovalRequest %s/%s: %w", d.Namespace, d.Spec.ApprovalRequestName, err))
	}
	if err := decidable(req, d.Spec.Approver); err != nil {
		return deny(name, err)
	}
	slots, _ := approval.DecisionAnnotations(req.Annotations)
	decided := pendingDeciders(h.Checker.Records, req, slots)
	if err := decisionDeciders(ctx, h.Options, req, decided); err != nil {
		return admission.Errored(http.StatusInternalServerError, err)
	}
	if err := h.Checker.MayDecide(ctx, req, d.Spec.Approver, user, decided); err != nil {
		return deny(name, err)
	}
	text, err := h.Checker.Records.SignDecision(identity.NewDecision(req, d.Spec.Approver, d.Spec.Decision, d.Spec.Comment, identity.ViaApproverDecision, user, h.Clock.Now()))
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, err)
	}
	annotations := maps.Clone(d.Annotations)
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[v1.RecordAnnotation] = text
	owners := slices.DeleteFunc(slices.Clone(d.OwnerReferences), isRequestOwner)
	owners = append(owners, ownerOf(req))
	return patchMetadata(map[string]any{fieldAnnotations: annotations, fieldOwnerReferences: owners})
}

// ownerOf makes the request own its decision: deleting the request deletes the decision.
// blockOwnerDeletion stays off: it would need delete permission on the request.
func ownerOf(req *v1.ApprovalRequest) metav1.OwnerReference {
	return metav1.OwnerReference{
		APIVersion: v1.GroupVersion.String(), Kind: kindApprovalRequest, Name: req.Name, UID: req.UID,
		BlockOwnerDeletion: new(false),
	}
}

func isRequestOwner(o metav1.OwnerReference) bool {
	return o.APIVersion == v1.GroupVersion.String() && o.Kind == kindApprovalRequest
}
