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
	"github.com/tollgate-dev/tollgate/internal/identity"
)

// DecisionAdmission is the mutating half of ApproverDecision admission, on CREATE. It stamps,
// and decides nothing: when the request the decision names exists, it writes the record of who
// creates the decision, bound to that request's UID, and makes the request own the decision, so
// it goes with it and never counts for a namesake. DecisionGuard, in the validating phase, runs
// the identity check and refuses a decision whose record or owner is not this: a caller who
// reaches this webhook directly, claiming to be anyone, obtains nothing that decides.
type DecisionAdmission struct {
	Options
	decoder admission.Decoder
}

// Handle implements admission.Handler.
func (h *DecisionAdmission) Handle(ctx context.Context, req admission.Request) admission.Response {
	d := &v1.ApproverDecision{}
	if err := decodeIgnoringStatus(h.decoder, req.Object, d); err != nil || req.Operation != admissionv1.Create {
		return malformed()
	}
	request, err := h.requestOf(ctx, d)
	if err != nil || request == nil {
		// The guard refuses a decision for a request that does not exist (or that could not be
		// read): it has no record.
		return admission.Allowed("")
	}
	text, err := identity.WriteDecision(identity.NewDecision(request, d.Spec.Approver, d.Spec.Decision, d.Spec.Comment, identity.ViaApproverDecision, identity.FromUserInfo(req.UserInfo), h.Clock.Now()))
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, err)
	}
	annotations := maps.Clone(d.Annotations)
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[v1.RecordAnnotation] = text
	owners := slices.DeleteFunc(slices.Clone(d.OwnerReferences), isRequestOwner)
	owners = append(owners, ownerOf(request))
	return patchMetadata(map[string]any{fieldAnnotations: annotations, fieldOwnerReferences: owners})
}

// requestOf reads the request a decision names, uncached (nil: it does not exist).
func (o Options) requestOf(ctx context.Context, d *v1.ApproverDecision) (*v1.ApprovalRequest, error) {
	if d.Spec.ApprovalRequestName == "" {
		return nil, nil
	}
	req := &v1.ApprovalRequest{}
	err := o.Reader.Get(ctx, client.ObjectKey{Namespace: d.Namespace, Name: d.Spec.ApprovalRequestName}, req)
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("reading ApprovalRequest %s/%s: %w", d.Namespace, d.Spec.ApprovalRequestName, err)
	}
	return req, nil
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
