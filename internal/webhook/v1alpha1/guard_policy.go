package v1alpha1

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/identity"
)

// inlineWarning is what the creator of a request that names its own approvers reads (kubectl
// prints it as "Warning: ...").
const inlineWarning = "this ApprovalRequest names its own approvers: whoever creates it picks who approves it. " +
	"Reference a GatePolicy (spec.policyRef) instead; namespaces that require policies refuse such requests (docs/policies.md)"

// policyChecks checks, when a request is created, the rules it brings: a request under a
// GatePolicy needs its creator to hold the verb use on that policy (a policy that does not
// exist yet included: RBAC names it all the same); a request that names its own approvers is
// refused where its namespace requires policies, and elsewhere admitted with a warning — its
// allowSelfApproval: true only for a creator holding self-approve, its stateMachineARN only for
// one holding choose-state-machine. The verbs are asked of the cluster's authorizer with the
// creator's whole identity, as the API server authenticated them. It returns the warnings.
func (h *RequestGuard) policyChecks(ctx context.Context, obj *v1.ApprovalRequest, user identity.User) ([]string, error) {
	if ref := obj.Spec.PolicyRef; ref != nil {
		return nil, h.mayHold(ctx, user, v1.UseVerb, identity.PolicyNamed(obj.Namespace, ref.Name), v1.ReasonNoUseVerb,
			fmt.Sprintf("%s may not use GatePolicy %s in namespace %s", user, ref.Name, obj.Namespace))
	}
	required, why, err := h.requiresPolicy(ctx, obj.Namespace)
	switch {
	case err != nil:
		return nil, err
	case required:
		return nil, &identity.Refusal{Reason: v1.ReasonPolicyRequired, Message: fmt.Sprintf(
			"namespace %s requires a GatePolicy (%s): a request references one (spec.policyRef) and names no approvers, policy or stateMachineARN of its own; ask the namespace's administrators which policies you may use",
			obj.Namespace, why)}
	}
	if obj.Spec.Policy != nil && obj.Spec.Policy.AllowSelfApproval {
		if err := h.mayHold(ctx, user, v1.SelfApproveVerb, identity.RequestNamed(obj.Namespace, obj.Name), v1.ReasonNoSelfApproveVerb,
			fmt.Sprintf("%s may not create a request its requester may decide (spec.policy.allowSelfApproval: true)", user)); err != nil {
			return nil, err
		}
	}
	if obj.Spec.StateMachineARN != "" {
		if err := h.mayHold(ctx, user, v1.ChooseStateMachineVerb, identity.RequestNamed(obj.Namespace, obj.Name), v1.ReasonNoStateMachineVerb,
			fmt.Sprintf("%s may not choose the state machine of a request (spec.stateMachineARN)", user)); err != nil {
			return nil, err
		}
	}
	return []string{inlineWarning}, nil
}

// mayHold asks the cluster's authorizer whether user holds verb on an object, and refuses with
// reason and what (who may not do what) when they do not.
func (h *RequestGuard) mayHold(ctx context.Context, user identity.User, verb string, on identity.Object, reason, what string) error {
	allowed, why, err := h.Checker.Reviewer.Allowed(ctx, user, verb, on)
	if err != nil {
		return fmt.Errorf("asking the cluster whether %s may %s %s: %w", user, verb, on, err)
	}
	if allowed {
		return nil
	}
	msg := fmt.Sprintf("%s: RBAC grants no verb %q on %s.%s", what, verb, on.Resource, v1.GroupVersion.Group)
	if why != "" {
		msg += " (" + why + ")"
	}
	return &identity.Refusal{Reason: reason, Message: msg}
}

// requiresPolicy reads the namespace (uncached: its label is the administrator's switch) and
// says whether it requires policies, and why.
func (h *RequestGuard) requiresPolicy(ctx context.Context, namespace string) (bool, string, error) {
	ns := &corev1.Namespace{}
	if err := h.Reader.Get(ctx, client.ObjectKey{Name: namespace}, ns); err != nil {
		return false, "", fmt.Errorf("reading namespace %s for its policy enforcement: %w", namespace, err)
	}
	required, why := h.Enforcement.RequiresPolicy(ns.Labels)
	return required, why, nil
}
