package v1alpha1

import (
	"fmt"
	"net/http"

	"gomodules.xyz/jsonpatch/v2"
	admissionv1 "k8s.io/api/admission/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/identity"
	"github.com/tollgate-dev/tollgate/internal/metrics"
)

// The metadata fields the webhooks patch.
const (
	fieldAnnotations     = "annotations"
	fieldOwnerReferences = "ownerReferences"
)

// kindApprovalRequest is the kind of an ApprovalRequest (in errors and owner references).
const kindApprovalRequest = "ApprovalRequest"

// invalid is input that does not parse, with the field named (HTTP 422).
type invalid struct {
	kind string
	errs field.ErrorList
}

func (e invalid) Error() string { return e.errs.ToAggregate().Error() }

// deny turns a refusal into the admission response a person reads in kubectl's error.
func deny(name string, err error) admission.Response {
	var inv invalid
	switch r, refused := identity.AsRefusal(err); {
	case refused:
		metrics.Refusal(metrics.StageAdmission, r.Reason)
		return admission.Response{AdmissionResponse: admissionResponse(metav1.Status{
			Status: metav1.StatusFailure, Code: http.StatusForbidden, Reason: metav1.StatusReasonForbidden,
			Message: r.Message, Details: &metav1.StatusDetails{Name: name, Causes: []metav1.StatusCause{{Type: metav1.CauseType(r.Reason), Message: r.Message}}},
		})}
	case asInvalid(err, &inv):
		metrics.Refusal(metrics.StageAdmission, string(metav1.StatusReasonInvalid))
		st := apierrors.NewInvalid(schema.GroupKind{Group: v1.GroupVersion.Group, Kind: inv.kind}, name, inv.errs).Status()
		return admission.Response{AdmissionResponse: admissionResponse(st)}
	default:
		return admission.Errored(http.StatusInternalServerError, err)
	}
}

func asInvalid(err error, out *invalid) bool {
	inv, ok := err.(invalid)
	if ok {
		*out = inv
	}
	return ok
}

// patchMetadata answers with a JSON patch that sets the named metadata fields to values
// (whole-field replacement: "add" replaces an existing member). Only metadata is patched:
// re-encoding the whole object would rewrite the spec as Go prints it ("72h" → "72h0m0s").
func patchMetadata(fields map[string]any) admission.Response {
	var ops []jsonpatch.JsonPatchOperation
	for _, name := range []string{fieldAnnotations, fieldOwnerReferences} {
		if v, ok := fields[name]; ok {
			ops = append(ops, jsonpatch.JsonPatchOperation{Operation: "add", Path: "/metadata/" + name, Value: v})
		}
	}
	if len(ops) == 0 {
		return admission.Allowed("")
	}
	return admission.Patched("", ops...)
}

func admissionResponse(st metav1.Status) admissionv1.AdmissionResponse {
	return admissionv1.AdmissionResponse{Allowed: false, Result: &st}
}

// malformed answers, in the mutating phase, an object whose spec or metadata does not decode
// into tollgate's types (e.g. a timeout that is no duration; status is not read). Mutating
// admission runs before the CRD schema, which refuses such an object naming the field, so it is
// passed on unpatched and unsigned. Nothing passes unchecked: the validating guards read the
// object after the schema and refuse what they cannot read, and what carries no record.
func malformed() admission.Response {
	return admission.Allowed("")
}

// reasonUnreadable refuses an object the guards cannot read.
const reasonUnreadable = "Unreadable"

// unreadable refuses, in the validating phase, an object that does not decode into tollgate's
// types: it is refused with the reason, never let through unchecked.
func unreadable(name, kind string, err error) admission.Response {
	return deny(name, &identity.Refusal{Reason: reasonUnreadable, Message: fmt.Sprintf(
		"tollgate's admission cannot read this %s, so it refuses it: %v", kind, err)})
}
