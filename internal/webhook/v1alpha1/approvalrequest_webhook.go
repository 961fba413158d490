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

// RequestAdmission is the mutating half of ApprovalRequest admission. On CREATE it records the
// requester (from the API server's authentication, whatever the client sent) and refuses
// decision and comment annotations: an approval is given to a request that exists. On UPDATE
// every decision annotation that is added or changed passes the identity check for its slot in
// the name of the user who writes it, and is recorded (signed) beside it; a comment goes only
// with its decider's decision, in the same write; a recorded decision cannot be changed or
// removed. RequestGuard checks the result in the validating phase.
type RequestAdmission struct {
	Options
	decoder admission.Decoder
}

// Handle implements admission.Handler.
func (h *RequestAdmission) Handle(ctx context.Context, req admission.Request) admission.Response {
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
		old := &v1.ApprovalRequest{}
		if err := h.decoder.DecodeRaw(req.OldObject, old); err != nil {
			return admission.Errored(http.StatusBadRequest, err)
		}
		annotations, err = h.update(ctx, old, obj, user)
	default:
		return admission.Allowed("")
	}
	if err != nil {
		return deny(req.Name, err)
	}
	if maps.Equal(annotations, obj.Annotations) {
		return admission.Allowed("")
	}
	return patchMetadata(map[string]any{fieldAnnotations: annotations})
}

// create records the requester and refuses decisions and comments on a request nobody has
// seen yet.
func (h *RequestAdmission) create(obj *v1.ApprovalRequest, user identity.User) (map[string]string, error) {
	if errs := creationErrors(obj.Annotations); len(errs) > 0 {
		return nil, invalid{kind: kindApprovalRequest, errs: errs}
	}
	out := maps.Clone(obj.Annotations)
	if out == nil {
		out = map[string]string{}
	}
	slots, _ := approval.DecisionAnnotations(obj.Annotations)
	for slot := range slots {
		delete(out, v1.DecisionAnnotationPrefix+slot+v1.DecisionRecordSuffix) // a record is ours to write
	}
	rec, err := identity.NewRequester(obj, user, h.Clock.Now())
	if err != nil {
		return nil, err
	}
	text, err := h.Checker.Records.SignRequester(rec)
	if err != nil {
		return nil, err
	}
	out[v1.RequesterAnnotation] = text
	return out, nil
}

// update checks and records each decision annotation the user adds or changes.
func (h *RequestAdmission) update(ctx context.Context, old, obj *v1.ApprovalRequest, user identity.User) (map[string]string, error) {
	out := maps.Clone(obj.Annotations)
	if out == nil {
		out = map[string]string{}
	}
	// The requester record is the webhook's to write: keep the one written at creation.
	restore(out, old.Annotations, v1.RequesterAnnotation)

	writes, errs := slotWrites(h.Checker.Records, old, obj.Annotations)
	var decided map[string]string
	var refusal error
	for _, w := range writes {
		recordKey := v1.DecisionAnnotationPrefix + w.slot + v1.DecisionRecordSuffix
		errs = append(errs, w.check(func(rec string) string { return describeRecord(h.Checker.Records, rec) })...)
		if w.recorded {
			// Admitted before: final. The record stays as the webhook wrote it.
			restore(out, old.Annotations, recordKey)
			continue
		}
		delete(out, recordKey) // a record a client sends (or forged while the webhook was away) is replaced by ours, or by none
		if !w.decides() || len(errs) > 0 || refusal != nil {
			// No decision of this user's, or one this write may not make: an unchanged
			// annotation is never signed in someone else's name.
			continue
		}
		d, _ := approval.ParseDecision(w.now.Decision) // check refused a word that does not parse
		if decided == nil {
			before, _ := approval.DecisionAnnotations(old.Annotations)
			decided = pendingDeciders(h.Checker.Records, old, before)
			if err := decisionDeciders(ctx, h.Options, old, decided); err != nil {
				return nil, err
			}
		}
		text, err := h.admit(ctx, old, w.slot, d, w.now.Comment, user, decided)
		if err != nil {
			if _, refused := identity.AsRefusal(err); !refused {
				return nil, err
			}
			refusal = err
			continue
		}
		out[recordKey] = text
		decided[w.slot] = user.Username
	}
	if len(errs) > 0 {
		return nil, invalid{kind: kindApprovalRequest, errs: errs}
	}
	return out, refusal
}

// admit runs the checks of one decision on an existing request and signs its record.
func (h *RequestAdmission) admit(ctx context.Context, req *v1.ApprovalRequest, slot string, d v1.Decision, comment string, user identity.User, decided map[string]string) (string, error) {
	if err := decidable(req, slot); err != nil {
		return "", err
	}
	if err := h.Checker.MayDecide(ctx, req, slot, user, decided); err != nil {
		return "", err
	}
	return h.Checker.Records.SignDecision(identity.NewDecision(req, slot, d, comment, identity.ViaAnnotation, user, h.Clock.Now()))
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
