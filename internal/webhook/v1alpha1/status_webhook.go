package v1alpha1

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// StatusAdmission lets only the operator write the status of ApprovalRequests and
// ApproverDecisions: status is tollgate's ledger. RBAC is the first wall (people's roles grant
// no status); this is the second, and it holds for cluster administrators too — unless they act
// as the operator (impersonating its service account, or with its token): the operator's
// identity is inside tollgate's trust boundary. So what that identity writes into a request's
// ledger is checked too (ledgerErrors): no decision without its record, no end the verified
// ledger does not support, no copy of a GatePolicy but the faithful one taken before the start
// (captureErrors). An end that only the execution can confirm (Failed, Aborted) is admitted, and
// the operator confirms it before acting on it.
type StatusAdmission struct {
	Options
	decoder admission.Decoder
}

// Handle implements admission.Handler.
func (h *StatusAdmission) Handle(ctx context.Context, req admission.Request) admission.Response {
	if req.UserInfo.Username != h.Operator {
		msg := fmt.Sprintf("only the tollgate operator (%s) writes the status of %s: status is tollgate's ledger of decisions, and %s is not the operator",
			h.Operator, req.Resource.Resource, req.UserInfo.Username)
		return admission.Response{AdmissionResponse: admissionResponse(metav1.Status{
			Status: metav1.StatusFailure, Code: http.StatusForbidden, Reason: metav1.StatusReasonForbidden, Message: msg,
		})}
	}
	if req.Resource.Resource != resourceRequests {
		return admission.Allowed("")
	}
	old, obj := &v1.ApprovalRequest{}, &v1.ApprovalRequest{}
	if err := h.decoder.DecodeRaw(req.OldObject, old); err != nil {
		return unreadable(req.Name, kindApprovalRequest, err)
	}
	if err := h.decoder.DecodeRaw(req.Object, obj); err != nil {
		return unreadable(req.Name, kindApprovalRequest, err)
	}
	errs := ledgerErrors(old, obj, h.Clock.Now(), h.decisionNamed(ctx, obj.Namespace))
	if errs = append(errs, h.captureErrors(ctx, old, obj)...); len(errs) > 0 {
		return deny(req.Name, invalid{kind: kindApprovalRequest, errs: errs})
	}
	return admission.Allowed("")
}

// decisionNamed finds the ApproverDecisions of a namespace by name, in the manager's cache (the
// API server when the cache has not started or not seen it yet), for identity.Backed.
func (h *StatusAdmission) decisionNamed(ctx context.Context, namespace string) func(string) *v1.ApproverDecision {
	return func(name string) *v1.ApproverDecision {
		d := &v1.ApproverDecision{}
		key := client.ObjectKey{Namespace: namespace, Name: name}
		err := h.Decisions.Get(ctx, key, d)
		if _, notStarted := errors.AsType[*cache.ErrCacheNotStarted](err); notStarted || apierrors.IsNotFound(err) {
			// Not started, or not seen yet: the operator recorded it from a cache of its own.
			err = h.Reader.Get(ctx, key, d)
		}
		if err != nil {
			return nil
		}
		return d
	}
}

// statusPath is where ledger errors point.
var statusPath = field.NewPath("status")
