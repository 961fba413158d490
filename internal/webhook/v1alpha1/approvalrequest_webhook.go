package v1alpha1

import (
	"context"
	"maps"
	"net/http"

	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
	"github.com/tollgate-dev/tollgate/internal/identity"
)

// RequestAdmission is the mutating half of ApprovalRequest admission. It stamps, and decides
// nothing: on CREATE it writes the requester record (who creates the request, from the API
// server's authentication, whatever the client sent); on UPDATE it writes, beside each decision
// annotation the write adds or changes, the record of who writes it. A record is not signed and
// is no credential: RequestGuard, in the validating phase, refuses a record that does not name
// the person writing it, and runs the identity check. So a caller who reaches this webhook
// directly, claiming to be anyone, obtains nothing that decides. It also keeps what admission
// wrote before: the requester record and the records of recorded decisions.
type RequestAdmission struct {
	Options
	decoder admission.Decoder
}

// Handle implements admission.Handler.
func (h *RequestAdmission) Handle(_ context.Context, req admission.Request) admission.Response {
	obj := &v1.ApprovalRequest{}
	if err := decodeIgnoringStatus(h.decoder, req.Object, obj); err != nil {
		return malformed()
	}
	user := identity.FromUserInfo(req.UserInfo)
	var annotations map[string]string
	var err error
	switch req.Operation {
	case admissionv1.Create:
		annotations, err = h.create(obj, user)
	case admissionv1.Update:
		if h.keeper(user) {
			return admission.Allowed("") // the operator and Kubernetes' controllers decide nothing: nothing to stamp
		}
		old := &v1.ApprovalRequest{}
		if err := h.decoder.DecodeRaw(req.OldObject, old); err != nil {
			return admission.Errored(http.StatusBadRequest, err)
		}
		annotations, err = h.update(old, obj, user)
	default:
		return admission.Allowed("")
	}
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, err)
	}
	if maps.Equal(annotations, obj.Annotations) {
		return admission.Allowed("")
	}
	return patchMetadata(map[string]any{fieldAnnotations: annotations})
}

// create writes the requester record; a record a client sent is dropped (records are admission's
// to write).
func (h *RequestAdmission) create(obj *v1.ApprovalRequest, user identity.User) (map[string]string, error) {
	out := maps.Clone(obj.Annotations)
	if out == nil {
		out = map[string]string{}
	}
	slots, _ := approval.DecisionAnnotations(obj.Annotations)
	for slot := range slots {
		delete(out, v1.DecisionAnnotationPrefix+slot+v1.DecisionRecordSuffix)
	}
	rec, err := identity.NewRequester(obj, user, h.Clock.Now())
	if err != nil {
		return nil, err
	}
	text, err := identity.WriteRequester(rec)
	if err != nil {
		return nil, err
	}
	out[v1.RequesterAnnotation] = text
	return out, nil
}

// update writes the record of each decision the write makes, in the name of the user writing it.
func (h *RequestAdmission) update(old, obj *v1.ApprovalRequest, user identity.User) (map[string]string, error) {
	out := maps.Clone(obj.Annotations)
	if out == nil {
		out = map[string]string{}
	}
	// The requester record is admission's: keep the one written at creation.
	restore(out, old.Annotations, v1.RequesterAnnotation)
	writes, _ := slotWrites(h.Checker.Records, old, obj.Annotations)
	for _, w := range writes {
		recordKey := v1.DecisionAnnotationPrefix + w.slot + v1.DecisionRecordSuffix
		if w.recorded {
			// Admitted before: the record stays as admission wrote it.
			restore(out, old.Annotations, recordKey)
			continue
		}
		delete(out, recordKey) // a record a client sends is replaced by admission's, or by none
		d, err := approval.ParseDecision(w.now.Decision)
		if !w.decides() || err != nil {
			continue // nothing to record; the guard refuses a word that is no decision
		}
		text, err := identity.WriteDecision(identity.NewDecision(old, w.slot, d, w.now.Comment, identity.ViaAnnotation, user, h.Clock.Now()))
		if err != nil {
			return nil, err
		}
		out[recordKey] = text
	}
	return out, nil
}

// problemErrors turns unparseable decision annotations into field errors.
func problemErrors(problems []approval.Problem) field.ErrorList {
	errs := make(field.ErrorList, 0, len(problems))
	for _, p := range problems {
		errs = append(errs, field.Invalid(annotationPath(p.Key), p.Key, p.Message))
	}
	return errs
}

func annotationPath(key string) *field.Path {
	return field.NewPath("metadata", fieldAnnotations).Key(key)
}

// restore sets key in out to its value in from (or removes it when from has none).
func restore(out, from map[string]string, key string) {
	if v, ok := from[key]; ok {
		out[key] = v
	} else {
		delete(out, key)
	}
}
