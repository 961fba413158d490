package v1alpha1

import (
	"context"
	"fmt"
	"net/http"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// StatusAdmission lets only the operator write the status of ApprovalRequests and
// ApproverDecisions: status is tollgate's ledger. RBAC is the first wall (people's roles grant
// no status); this is the second, and it holds for cluster administrators too.
type StatusAdmission struct {
	Operator string
}

// Handle implements admission.Handler.
func (h *StatusAdmission) Handle(_ context.Context, req admission.Request) admission.Response {
	if req.UserInfo.Username == h.Operator {
		return admission.Allowed("")
	}
	msg := fmt.Sprintf("only the tollgate operator (%s) writes the status of %s: status is tollgate's ledger of decisions, and %s is not the operator",
		h.Operator, req.Resource.Resource, req.UserInfo.Username)
	return admission.Response{AdmissionResponse: admissionResponse(metav1.Status{
		Status: metav1.StatusFailure, Code: http.StatusForbidden, Reason: metav1.StatusReasonForbidden, Message: msg,
	})}
}
