package v1alpha1

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"

	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
	"github.com/tollgate-dev/tollgate/internal/identity"
)

// reasonNotCreator refuses the deletion of a request by someone who did not create it.
const reasonNotCreator = "NotTheCreator"

// notOurs refuses a record a client wrote.
const notOurs = "a record is written by tollgate's admission, beside a decision it admitted"

// RequestGuard is the validating half of ApprovalRequest admission, and where the identity check
// runs. It reads the request as it will be stored — after every mutating webhook, tollgate's or
// another's, and after the schema — and refuses, whoever writes and whatever mutated the write:
//   - on CREATE: decisions, comments or records, and a requester record that is not
//     tollgate's record of the creator; then what policyChecks refuses (a GatePolicy its
//     creator may not use; approvers of its own where the namespace requires policies; inline
//     self-approval or a state machine without their verbs);
//   - on UPDATE: a changed requester record; whatever slotWrite.check refuses; a decision
//     without the record of it for the person writing it, or a record without its decision; a
//     decision its writer may not make (identity.Checker.MayDecide, for the person the API
//     server authenticated); finalizers or owner references changed by anyone but the operator
//     and Kubernetes' own controllers;
//   - on DELETE: a request deleted by anyone but its creator, an administrator holding the verb
//     delete-any, the operator or Kubernetes' own controllers.
//
// A request it cannot read is refused: nothing passes unchecked (a forged approval once hid
// behind a status of the wrong type, which the mutating webhook could not decode).
type RequestGuard struct {
	Options
	decoder admission.Decoder
}

// Handle implements admission.Handler.
func (h *RequestGuard) Handle(ctx context.Context, req admission.Request) admission.Response {
	user := identity.FromUserInfo(req.UserInfo)
	old := &v1.ApprovalRequest{}
	if req.Operation != admissionv1.Create {
		if err := decodeIgnoringStatus(h.decoder, req.OldObject, old); err != nil {
			return unreadable(req.Name, kindApprovalRequest, err)
		}
		if err := withCapturedPolicy(req.OldObject, old); err != nil {
			return unreadable(req.Name, kindApprovalRequest, err)
		}
	}
	if req.Operation == admissionv1.Delete {
		return h.deleted(ctx, old, user)
	}
	obj := &v1.ApprovalRequest{}
	if err := decodeIgnoringStatus(h.decoder, req.Object, obj); err != nil {
		return unreadable(req.Name, kindApprovalRequest, err)
	}
	var errs field.ErrorList
	var decides []slotWrite
	switch req.Operation {
	case admissionv1.Create:
		errs = h.created(obj, user)
	case admissionv1.Update:
		errs, decides = h.updated(old, obj, user)
	}
	if len(errs) > 0 {
		return deny(obj.Name, invalid{kind: kindApprovalRequest, errs: errs})
	}
	if err := h.mayDecide(ctx, old, decides, user); err != nil {
		return deny(obj.Name, err)
	}
	if req.Operation != admissionv1.Create {
		return admission.Allowed("")
	}
	warnings, err := h.policyChecks(ctx, obj, user)
	if err != nil {
		return deny(obj.Name, err)
	}
	return admission.Allowed("").WithWarnings(warnings...)
}

// mayDecide runs the identity check for each decision the write makes, in the name of the
// person the API server authenticated (groups and extra fields included): the slot takes a
// decision, the person is named by it and holds the verb approve, is not the requester, and
// decides one slot of the request at most — counting the decisions admitted before, by either
// path, and the others in this write.
func (h *RequestGuard) mayDecide(ctx context.Context, old *v1.ApprovalRequest, decides []slotWrite, user identity.User) error {
	if len(decides) == 0 {
		return nil
	}
	before, _ := approval.DecisionAnnotations(old.Annotations)
	decided := pendingDeciders(h.Checker.Records, old, before)
	if err := decisionDeciders(ctx, h.Options, old, decided); err != nil {
		return err
	}
	for _, w := range decides {
		if err := decidable(old, w.slot); err != nil {
			return err
		}
		if err := h.Checker.MayDecide(ctx, old, w.slot, user, decided); err != nil {
			return err
		}
		decided[w.slot] = user.Username
	}
	return nil
}

// created checks a new request: it carries no decision, comment or record, and tollgate's
// record of who creates it.
func (h *RequestGuard) created(obj *v1.ApprovalRequest, user identity.User) field.ErrorList {
	errs := creationErrors(obj.Annotations)
	slots, _ := approval.DecisionAnnotations(obj.Annotations)
	for _, slot := range slices.Sorted(maps.Keys(slots)) {
		if slots[slot].HasRecord {
			errs = append(errs, field.Forbidden(annotationPath(v1.DecisionAnnotationPrefix+slot+v1.DecisionRecordSuffix), notOurs))
		}
	}
	requester, err := h.Checker.Records.RequesterOf(obj)
	switch {
	case err != nil:
		errs = append(errs, field.Forbidden(annotationPath(v1.RequesterAnnotation), fmt.Sprintf("tollgate's admission records who creates a request, and this record is not one: %v", err)))
	case requester.Username != user.Username:
		errs = append(errs, field.Forbidden(annotationPath(v1.RequesterAnnotation), fmt.Sprintf("the record names %s as the creator, and %s is creating the request", requester, user)))
	}
	return errs
}

// updated checks a write to an existing request, and returns the slots it decides (for the
// identity check, once the write is otherwise sound).
func (h *RequestGuard) updated(old, obj *v1.ApprovalRequest, user identity.User) (field.ErrorList, []slotWrite) {
	var decides []slotWrite
	var errs field.ErrorList
	if old.Annotations[v1.RequesterAnnotation] != obj.Annotations[v1.RequesterAnnotation] {
		errs = append(errs, field.Forbidden(annotationPath(v1.RequesterAnnotation), "tollgate's admission wrote it when the request was created: it cannot be changed or removed"))
	}
	writes, problems := slotWrites(h.Checker.Records, old, obj.Annotations)
	errs = append(errs, problems...)
	for _, w := range writes {
		if w.takenBack(old) && user.Username == h.Operator {
			continue
		}
		refused := w.check(func(rec string) string { return describeRecord(h.Checker.Records, rec) })
		errs = append(errs, refused...)
		recordPath := annotationPath(v1.DecisionAnnotationPrefix + w.slot + v1.DecisionRecordSuffix)
		switch {
		case len(refused) > 0, w.recorded:
			if w.recorded && (w.now.HasRecord != w.was.HasRecord || w.now.Record != w.was.Record) {
				errs = append(errs, field.Forbidden(recordPath, "the decision of slot "+w.slot+" is recorded: its record cannot be changed or removed"))
			}
		case w.decides():
			d, _ := approval.ParseDecision(w.now.Decision) // check refused a word that does not parse
			rec, err := h.Checker.Records.VerifyWrite(w.now.Record, obj, w.slot, d, w.now.Comment, identity.ViaAnnotation)
			switch {
			case err != nil:
				errs = append(errs, field.Forbidden(recordPath, fmt.Sprintf("the decision of slot %s carries no record of tollgate's admission: %v", w.slot, err)))
			case rec.By.Username != user.Username:
				errs = append(errs, field.Forbidden(recordPath, fmt.Sprintf("the record of slot %s was admitted for %s, and %s is writing it: a decision is written by its decider", w.slot, rec.By, user)))
			default:
				decides = append(decides, w)
			}
		case w.recordWritten():
			errs = append(errs, field.Forbidden(recordPath, notOurs))
		}
	}
	return append(errs, h.metadataErrors(old, obj, user)...), decides
}

// deleted lets a request go only by its creator, an administrator (verb delete-any), the
// operator or Kubernetes' own controllers: a requester who could delete another's request could
// create it again under the same name with approvers of their own choosing, and every gate that
// waits on the name would follow the new one.
func (h *RequestGuard) deleted(ctx context.Context, old *v1.ApprovalRequest, user identity.User) admission.Response {
	if h.keeper(user) {
		return admission.Allowed("")
	}
	creator, unrecorded := h.Checker.Records.RequesterOf(old)
	if unrecorded == nil && creator.Username == user.Username {
		return admission.Allowed("")
	}
	allowed, _, err := h.Checker.Reviewer.Allowed(ctx, user, v1.DeleteAnyVerb, identity.RequestNamed(old.Namespace, old.Name))
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, fmt.Errorf("asking the cluster whether %s may delete any approvalrequest in %s: %w", user, old.Namespace, err))
	}
	if allowed {
		return admission.Allowed("")
	}
	by := creator.Username
	if unrecorded != nil {
		by = "someone tollgate has no record of"
	}
	return deny(old.Name, &identity.Refusal{Reason: reasonNotCreator, Message: fmt.Sprintf(
		"%s may delete only the ApprovalRequests they created: %s was created by %s; deleting another's request needs the verb %q on approvalrequests.%s (administrators)",
		user, old.Name, by, v1.DeleteAnyVerb, v1.GroupVersion.Group)})
}
