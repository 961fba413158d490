package v1alpha1

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"unicode/utf8"

	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
	"github.com/tollgate-dev/tollgate/internal/identity"
)

// RequestAdmission guards ApprovalRequests. On CREATE it records the requester (from the API
// server's authentication, whatever the client sent) and refuses decision annotations: an
// approval is given to a request that exists. On UPDATE every decision annotation that is added
// or changed passes the identity check for its slot in the name of the user who writes it, and
// is recorded (signed) beside it; a recorded decision cannot be changed or removed.
type RequestAdmission struct {
	Options
	decoder admission.Decoder
}

// Handle implements admission.Handler.
func (h *RequestAdmission) Handle(ctx context.Context, req admission.Request) admission.Response {
	obj := &v1.ApprovalRequest{}
	if err := h.decoder.DecodeRaw(req.Object, obj); err != nil {
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

// create records the requester and refuses decisions on a request nobody has seen yet.
func (h *RequestAdmission) create(obj *v1.ApprovalRequest, user identity.User) (map[string]string, error) {
	slots, problems := approval.DecisionAnnotations(obj.Annotations)
	errs := problemErrors(problems)
	for _, slot := range slices.Sorted(maps.Keys(slots)) {
		if slots[slot].HasDecision {
			errs = append(errs, field.Forbidden(annotationPath(v1.DecisionAnnotationPrefix+slot),
				"a decision cannot be set when the request is created: an approval is given by a person to a request that exists; annotate the request once it is created"))
		}
	}
	if len(errs) > 0 {
		return nil, invalid{kind: kindApprovalRequest, errs: errs}
	}
	out := maps.Clone(obj.Annotations)
	if out == nil {
		out = map[string]string{}
	}
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
	before, _ := approval.DecisionAnnotations(old.Annotations)
	after, problems := approval.DecisionAnnotations(obj.Annotations)
	out := maps.Clone(obj.Annotations)
	if out == nil {
		out = map[string]string{}
	}
	// The requester record is the webhook's to write: keep the one written at creation.
	restore(out, old.Annotations, v1.RequesterAnnotation)

	errs := problemErrors(problems)
	var decided map[string]string
	var refusal error
	for _, slot := range slices.Sorted(maps.Keys(union(before, after))) {
		was, now := before[slot], after[slot]
		key := v1.DecisionAnnotationPrefix + slot
		recordKey := key + v1.DecisionRecordSuffix
		if was.HasRecord && h.ours(old, slot, was) {
			// Admitted before: final. The record stays as the webhook wrote it.
			if now.HasDecision != was.HasDecision || now.Decision != was.Decision || now.HasComment != was.HasComment || now.Comment != was.Comment {
				errs = append(errs, field.Forbidden(annotationPath(key), fmt.Sprintf("the decision of slot %s is recorded (%s): it cannot be changed or removed", slot, describeRecord(h.Checker.Records, was.Record))))
			}
			restore(out, old.Annotations, recordKey)
			continue
		}
		delete(out, recordKey) // a record a client sends (or forged while the webhook was away) is replaced by ours, or by none
		if now.HasComment && (!was.HasComment || now.Comment != was.Comment) && utf8.RuneCountInString(now.Comment) > v1.MaxCommentLength {
			errs = append(errs, field.TooLong(annotationPath(key+v1.DecisionCommentSuffix), "", v1.MaxCommentLength))
		}
		if !now.HasDecision || was.HasDecision && was.Decision == now.Decision && was.Comment == now.Comment {
			// No decision, or one this user did not write (it predates the webhook, or it was
			// refused before); an unchanged annotation is never signed in someone else's name.
			continue
		}
		d, err := approval.ParseDecision(now.Decision)
		if err != nil {
			errs = append(errs, field.Invalid(annotationPath(key), now.Decision, "use approve or reject (any case)"))
			continue
		}
		if len(errs) > 0 || refusal != nil {
			continue
		}
		if decided == nil {
			decided = pendingDeciders(h.Checker.Records, old, before)
			if err := decisionDeciders(ctx, h.Options, old, decided); err != nil {
				return nil, err
			}
		}
		text, err := h.admit(ctx, old, slot, d, now.Comment, user, decided)
		if err != nil {
			if _, refused := identity.AsRefusal(err); !refused {
				return nil, err
			}
			refusal = err
			continue
		}
		out[recordKey] = text
		decided[slot] = user.Username
	}
	if len(errs) > 0 {
		return nil, invalid{kind: kindApprovalRequest, errs: errs}
	}
	return out, refusal
}

// ours reports whether a slot's record is one the webhook wrote for its decision annotations.
func (h *RequestAdmission) ours(req *v1.ApprovalRequest, slot string, a approval.SlotAnnotations) bool {
	rec, err := h.Checker.Records.VerifyDecision(a.Record)
	if err != nil {
		return false
	}
	d, err := approval.ParseDecision(a.Decision)
	return err == nil && rec.Binds(req, slot, d, a.Comment) == nil
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

func union(a, b map[string]approval.SlotAnnotations) map[string]approval.SlotAnnotations {
	out := maps.Clone(a)
	maps.Copy(out, b)
	return out
}
