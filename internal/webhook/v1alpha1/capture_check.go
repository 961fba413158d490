package v1alpha1

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
)

// captureErrors refuses a status write that touches the copy of the GatePolicy a request runs
// under (status.policy) other than by the one capture the operator makes before the request
// starts. Admission, the operator and the plugin read the slots, the quorum and the state
// machine from that copy (approval.PolicyOf), so whoever acts as the operator must not choose
// them either:
//   - a copy, once written, is final: never changed or removed (the schema says so too);
//   - a copy is written only for a request that references that policy, before its execution
//     starts, and only as a faithful copy of the policy as it stands now, read uncached
//     (approval.CheckCapture: the same object, generation and spec, and the spec's digest);
//   - a request under a policy starts (status.executionARN) only once it holds its copy.
func (h *StatusAdmission) captureErrors(ctx context.Context, old, obj *v1.ApprovalRequest) field.ErrorList {
	path := statusPath.Child("policy")
	was, is, ref := old.Status.Policy, obj.Status.Policy, obj.Spec.PolicyRef
	switch {
	case was != nil:
		if !equality.Semantic.DeepEqual(was, is) {
			return field.ErrorList{field.Forbidden(path, fmt.Sprintf("the copy of GatePolicy %s the request started under is final: it is never changed or removed", was.Name))}
		}
		return nil
	case is == nil:
		if ref != nil && old.Status.ExecutionARN == "" && obj.Status.ExecutionARN != "" {
			return field.ErrorList{field.Forbidden(statusPath.Child("executionARN"), fmt.Sprintf("a request under GatePolicy %s starts only once it holds its copy (status.policy)", ref.Name))}
		}
		return nil
	case ref == nil:
		return field.ErrorList{field.Forbidden(path, "the request names its own approvers: it runs under no GatePolicy")}
	case is.Name != ref.Name:
		return field.ErrorList{field.Forbidden(path, fmt.Sprintf("the request references GatePolicy %s, not %s", ref.Name, is.Name))}
	case old.Status.ExecutionARN != "":
		return field.ErrorList{field.Forbidden(path, "the request started without a copy of its policy: a copy is taken before the execution starts, never after")}
	}
	live := &v1.GatePolicy{}
	switch err := h.Reader.Get(ctx, client.ObjectKey{Namespace: obj.Namespace, Name: ref.Name}, live); {
	case apierrors.IsNotFound(err):
		return field.ErrorList{field.Forbidden(path, fmt.Sprintf("GatePolicy %s does not exist in namespace %s: there is nothing to copy", ref.Name, obj.Namespace))}
	case err != nil:
		return field.ErrorList{field.InternalError(path, fmt.Errorf("reading GatePolicy %s/%s: %w", obj.Namespace, ref.Name, err))}
	}
	if err := approval.CheckCapture(is, live); err != nil {
		return field.ErrorList{field.Forbidden(path, fmt.Sprintf("not a faithful copy of GatePolicy %s as it stands (%v): a request copies its policy as it is when it starts", ref.Name, err))}
	}
	return nil
}
