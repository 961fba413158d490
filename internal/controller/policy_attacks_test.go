package controller_test

import (
	"encoding/json"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
	"github.com/tollgate-dev/tollgate/internal/devenv"
	"github.com/tollgate-dev/tollgate/internal/stepfunctions"
	webhookv1 "github.com/tollgate-dev/tollgate/internal/webhook/v1alpha1"
)

// Policies under attack: whoever acts as the operator cannot choose a request's approvers
// through the copy of its policy, and nothing a requester, a namespace editor or a pod sends
// straight to tollgate's webhooks — with bodies the code does not expect — is let through or
// helps anyone.
var _ = Describe("Policies under attack", func() {
	var ns string
	var op *runningOperator
	withOperator("policy-attack", &ns, &op)

	operatorStatus := func(key client.ObjectKey, patch map[string]any) error {
		return as(devenv.OperatorUsername).Status().Patch(ctx, requestRef(key), client.RawPatch(types.MergePatchType, mustJSON(patch)))
	}

	It("the operator's identity can neither change a request's copy of its policy nor make one up", func() {
		createPolicy(ns, "deploy-prod", []string{"alice", "bob"}, 0)
		mayUse(ns, "deploy-prod", "later")
		key := createUnder(ns, "deploy", "deploy-prod")
		obj := waitTokens(key, 2)

		By("changing the slots of the copy, or removing it")
		forged := obj.Status.Policy.DeepCopy()
		forged.Spec.Approvers[0].Users = []string{"mallory@example.com"}
		forged.Digest, _ = approval.Digest(&forged.Spec)
		Expect(operatorStatus(key, map[string]any{"status": map[string]any{"policy": forged}})).To(refusedWith("status.policy", "never changed or removed"))
		Expect(operatorStatus(key, map[string]any{"status": map[string]any{"policy": nil}})).To(refusedWith("status.policy", "never changed or removed"))
		Expect(getRequest(key).Status.Policy).To(Equal(obj.Status.Policy))

		By("a request that waits for its policy: a copy of a policy that does not exist, a made-up one, a start without one")
		waiting := createUnder(ns, "waiting", "later")
		Eventually(func() string { return readyReason(waiting) }, settle).Should(Equal(v1.ReasonPolicyNotFound))
		madeUp := forged.DeepCopy()
		madeUp.Name = "later"
		Expect(operatorStatus(waiting, map[string]any{"status": map[string]any{"policy": madeUp}})).To(refusedWith("GatePolicy later does not exist"))
		op.stop() // nothing copies the policy meanwhile
		createPolicy(ns, "later", []string{"carol"}, 0)
		Expect(operatorStatus(waiting, map[string]any{"status": map[string]any{"policy": madeUp}})).To(refusedWith("not a faithful copy of GatePolicy later"))
		Expect(operatorStatus(waiting, map[string]any{"status": map[string]any{"executionARN": "arn:aws:states:us-east-1:123456789012:execution:m:x"}})).To(
			refusedWith("starts only once it holds its copy"))
		op = startOperator(stepfunctions.Wrap(sfnLocal.client, nil))
		Expect(slotUsersOf(waitTokens(waiting, 1), "carol")).To(Equal([]string{person("carol")}), "the operator copies the policy as it stands")
	})

	It("direct calls to the request guard, with bodies it does not expect, are refused and obtain nothing", func() {
		requirePolicies(ns)
		createPolicy(ns, "deploy-prod", []string{"alice"}, 0)
		mayUse(ns, "deploy-prod")
		key := createUnder(ns, "deploy", "deploy-prod")
		stored := waitTokens(key, 1)
		review := func(op admissionv1.Operation, user string, groups []string, obj, old any) admissionv1.AdmissionRequest {
			req := admissionv1.AdmissionRequest{
				UID:      types.UID("policy-attack"),
				Kind:     metav1.GroupVersionKind{Group: v1.GroupVersion.Group, Version: v1.GroupVersion.Version, Kind: "ApprovalRequest"},
				Resource: metav1.GroupVersionResource{Group: v1.GroupVersion.Group, Version: v1.GroupVersion.Version, Resource: "approvalrequests"},
				Name:     "deploy", Namespace: ns, Operation: op,
				UserInfo: authenticationv1.UserInfo{Username: user, Groups: groups},
				Object:   runtime.RawExtension{Raw: mustJSON(obj)},
			}
			if old != nil {
				req.OldObject = runtime.RawExtension{Raw: mustJSON(old)}
			}
			return req
		}
		call := func(op admissionv1.Operation, user string, groups []string, obj, old any) *admissionv1.AdmissionResponse {
			return callWebhook(webhookv1.RequestGuardPath, review(op, user, groups, obj, old))
		}
		// stamped is obj with the requester record the mutating webhook, called directly, writes
		// for whoever the caller claims to be (a stamp, no credential: the guard checks it).
		stamped := func(obj *v1.ApprovalRequest, user string, groups []string) *v1.ApprovalRequest {
			resp := callWebhook(webhookv1.RequestPath, review(admissionv1.Create, user, groups, obj, nil))
			Expect(resp.Allowed).To(BeTrue())
			var ops []struct {
				Path  string            `json:"path"`
				Value map[string]string `json:"value"`
			}
			Expect(json.Unmarshal(resp.Patch, &ops)).To(Succeed())
			out := obj.DeepCopy()
			out.Annotations = ops[0].Value
			return out
		}
		inline := requestObject(ns, "deploy", []string{"alice"}, 0, func(r *v1.ApprovalRequest) { r.Spec.Approvers[0].Users = []string{"mallory@example.com"} })

		By("claiming to be a cluster administrator, a namespace editor or a pod: approvers of one's own are refused all the same")
		for _, who := range [][]string{{"kubectl-admin", "system:masters"}, {"editor@example.com"}, {"system:serviceaccount:" + ns + ":default", "system:serviceaccounts"}} {
			resp := call(admissionv1.Create, who[0], who[1:], stamped(inline, who[0], who[1:]), nil)
			Expect(resp.Allowed).To(BeFalse(), "as %s", who[0])
			Expect(resp.Result.Message).To(ContainSubstring("requires a GatePolicy"))
		}

		By("bodies the code does not expect: a policyRef that is no object, a stored copy that is no copy")
		mangled := map[string]any{"apiVersion": v1.GroupVersion.String(), "kind": "ApprovalRequest",
			"metadata": map[string]any{"name": "deploy", "namespace": ns}, "spec": map[string]any{"description": "d", "policyRef": 5}}
		resp := call(admissionv1.Create, requesterUser, nil, mangled, nil)
		Expect(resp.Allowed).To(BeFalse())
		Expect(resp.Result.Message).To(ContainSubstring("cannot read this ApprovalRequest"))
		decided := stored.DeepCopy()
		decided.Annotations[v1.DecisionAnnotationPrefix+"alice"] = "approve"
		oldWithBadCopy := map[string]any{"apiVersion": v1.GroupVersion.String(), "kind": "ApprovalRequest",
			"metadata": stored.ObjectMeta, "spec": stored.Spec, "status": map[string]any{"policy": "alice=mallory"}}
		resp = call(admissionv1.Update, person("alice"), []string{approversGroup}, decided, oldWithBadCopy)
		Expect(resp.Allowed).To(BeFalse(), "a copy it cannot read is never read as none")
		Expect(resp.Result.Message).To(ContainSubstring("cannot read its status.policy"))

		By("an answer obtained by a direct call admits nothing through the API server")
		underIt := &v1.ApprovalRequest{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "deploy"},
			Spec: v1.ApprovalRequestSpec{Description: "d", PolicyRef: &v1.PolicyReference{Name: "deploy-prod"}}}
		resp = call(admissionv1.Create, "editor@example.com", nil, stamped(underIt, "editor@example.com", nil), nil)
		Expect(resp.Allowed).To(BeFalse(), "no use on the policy: refused, whoever calls")
		Expect(resp.Result.Message).To(ContainSubstring(`editor@example.com may not use GatePolicy deploy-prod`))
		Expect(call(admissionv1.Create, requesterUser, nil, stamped(inline, "kubectl-admin", []string{"system:masters"}), nil).Allowed).To(BeFalse(),
			"a stamp obtained for someone else is refused")
		Expect(as(requesterUser).Create(ctx, inline.DeepCopy())).To(refusedWith("requires a GatePolicy"))
	})

	It("a direct call to the status guard claiming to be the operator cannot plant a copy", func() {
		createPolicy(ns, "deploy-prod", []string{"alice"}, 0)
		mayUse(ns, "deploy-prod")
		key := createUnder(ns, "deploy", "deploy-prod")
		stored := waitTokens(key, 1)
		changed := stored.DeepCopy()
		changed.Status.Policy.Spec.Approvers[0].Users = []string{"mallory@example.com"}
		resp := callWebhook(webhookv1.StatusPath, admissionv1.AdmissionRequest{
			UID:         types.UID("policy-status-attack"),
			Kind:        metav1.GroupVersionKind{Group: v1.GroupVersion.Group, Version: v1.GroupVersion.Version, Kind: "ApprovalRequest"},
			Resource:    metav1.GroupVersionResource{Group: v1.GroupVersion.Group, Version: v1.GroupVersion.Version, Resource: "approvalrequests"},
			SubResource: "status", Name: key.Name, Namespace: ns, Operation: admissionv1.Update,
			UserInfo:  authenticationv1.UserInfo{Username: devenv.OperatorUsername},
			Object:    runtime.RawExtension{Raw: mustJSON(changed)},
			OldObject: runtime.RawExtension{Raw: mustJSON(stored)},
		})
		Expect(resp.Allowed).To(BeFalse())
		Expect(resp.Result.Message).To(ContainSubstring("is final"))
		Expect(getRequest(key).Status.Policy.Spec.Approvers[0].Users).To(Equal([]string{person("alice")}))
	})
})

// readyReason is the reason of a request's Ready condition ("" without one).
func readyReason(key client.ObjectKey) string {
	for _, c := range getRequest(key).Status.Conditions {
		if c.Type == v1.ConditionReady {
			return c.Reason
		}
	}
	return ""
}

// slotUsersOf are the users the copy of a request's policy names for a slot.
func slotUsersOf(obj *v1.ApprovalRequest, slot string) []string {
	if a := approval.Slot(approval.PolicyOf(obj), slot); a != nil {
		return a.Users
	}
	return nil
}
