package controller_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/devenv"
	"github.com/tollgate-dev/tollgate/internal/identity"
	"github.com/tollgate-dev/tollgate/internal/stepfunctions"
)

// Policies owned by administrators (issue 24): the person who asks never picks who approves. A
// team's administrator writes a GatePolicy (the approver slots, the quorum, self-approval, the
// state machine); a requester references it (the verb use on it); its approvers decide. The
// attacks are tried as ravi, a requester of the namespace, tried them on `make demo`.
var _ = Describe("Policies", func() {
	var ns string
	var op *runningOperator
	withOperator("policy", &ns, &op)

	mallory := func() client.Client { return as("mallory@example.com", approversGroup) }

	It("the recreate-with-an-accomplice attack is refused in a namespace that requires policies", func() {
		requirePolicies(ns)
		createPolicy(ns, "deploy-prod", []string{"alice", "bob"}, 0)
		mayUse(ns, "deploy-prod")
		key := createUnder(ns, "deploy", "deploy-prod")
		waitTokens(key, 2)

		By("the requester deletes the gate they created, and creates it again with slot alice given to mallory")
		Expect(as(requesterUser).Delete(ctx, requestRef(key))).To(Succeed())
		Eventually(gone(requestRef(key)), settle).Should(BeTrue())
		forged := requestObject(ns, "deploy", []string{"alice", "bob"}, 0, func(r *v1.ApprovalRequest) {
			r.Spec.Approvers[0].Users = []string{"mallory@example.com"}
		})
		Expect(as(requesterUser).Create(ctx, forged)).To(refusedWith("namespace "+ns+" requires a GatePolicy", "spec.policyRef"))

		By("nor under a policy of the namespace they may not use")
		createPolicy(ns, "sandbox", []string{"mallory"}, 0)
		Expect(as(requesterUser).Create(ctx, requestUnder(ns, "deploy", "sandbox"))).To(
			refusedWith(requesterUser+" may not use GatePolicy sandbox", `"use"`))
		Expect(apierrors.IsNotFound(k8sClient.Get(ctx, key, &v1.ApprovalRequest{}))).To(BeTrue(), "no gate of that name exists")

		By("the gate comes back only under its policy, decided by the policy's approvers")
		key = createUnder(ns, "deploy", "deploy-prod")
		waitTokens(key, 2)
		Expect(annotateAs(mallory(), key, "approvals.tollgate.dev/alice", "approve")).To(refusedWith("mallory@example.com may not decide slot alice"))
		annotate(key, "approvals.tollgate.dev/alice", "approve", "approvals.tollgate.dev/bob", "approve")
		waitPhase(key, v1.PhaseApproved)
	})

	It("a request under a policy its requester may not use is refused, wherever it is created", func() {
		createPolicy(ns, "team-a", []string{"alice"}, 0)
		createPolicy(ns, "team-b", []string{"bob"}, 0)
		mayUse(ns, "team-a")
		Expect(as(requesterUser).Create(ctx, requestUnder(ns, "b", "team-b"))).To(
			refusedWith(requesterUser+" may not use GatePolicy team-b in namespace "+ns, `RBAC grants no verb "use" on gatepolicies.approvals.tollgate.dev`))
		Expect(as(requesterUser).Create(ctx, requestUnder(ns, "later", "not-yet-written"))).To(
			refusedWith(requesterUser+" may not use GatePolicy not-yet-written"), "a policy that does not exist yet is no loophole")
		key := createUnder(ns, "a", "team-a")
		waitTokens(key, 1)
	})

	It("a requester's edit of a policy is refused by RBAC, and so is a namespace editor's", func() {
		createPolicy(ns, "deploy-prod", []string{"alice", "bob"}, 0)
		mayUse(ns, "deploy-prod")
		By("a namespace editor: Kubernetes' edit role, as the cluster aggregates it (no tollgate role joins it)")
		var aggregated rbacv1.ClusterRoleList
		Expect(k8sClient.List(ctx, &aggregated, client.MatchingLabels{"rbac.authorization.k8s.io/aggregate-to-edit": "true"})).To(Succeed())
		for _, r := range aggregated.Items {
			Expect(r.Name).NotTo(HavePrefix(devenv.RolePrefix), "tollgate's roles are bound on purpose, never aggregated into edit")
			binding := &rbacv1.RoleBinding{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "editor-" + r.Name},
				RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: r.Name},
				Subjects:   devenv.Users("editor@example.com"),
			}
			Expect(k8sClient.Create(ctx, binding)).To(Succeed())
		}
		Expect(aggregated.Items).NotTo(BeEmpty())
		edit := map[string]any{"spec": map[string]any{"approvers": []any{map[string]any{"name": "alice", "users": []any{"mallory@example.com"}}}}}
		for _, who := range []client.Client{as(requesterUser), as("editor@example.com"), mallory()} {
			ref := policyRef(ns, "deploy-prod")
			Expect(apierrors.IsForbidden(patchAs(who, ref, edit))).To(BeTrue(), "patching a policy")
			Expect(apierrors.IsForbidden(who.Delete(ctx, ref))).To(BeTrue(), "deleting a policy")
			Expect(apierrors.IsForbidden(who.Create(ctx, policyObject(ns, "mine", []string{"mallory"}, 0)))).To(BeTrue(), "creating a policy")
			label := map[string]any{"metadata": map[string]any{"labels": map[string]any{v1.RequirePolicyLabel: "false"}}}
			Expect(apierrors.IsForbidden(patchAs(who, namespaceRef(ns), label))).To(BeTrue(), "turning enforcement off")
		}
		Expect(policyUsers(ns, "deploy-prod")).To(Equal([]string{person("alice"), person("bob")}), "the policy is as its administrator wrote it")

		By("the namespace's policy administrator may")
		bindPolicyAdmin(ns, policyAdminUser)
		Expect(patchAs(as(policyAdminUser), policyRef(ns, "deploy-prod"), map[string]any{"spec": map[string]any{"policy": map[string]any{"requiredApprovals": 1}}})).To(Succeed())
	})

	It("a policy edited or deleted mid-run changes nothing for that run", func() {
		createPolicy(ns, "deploy-prod", []string{"alice", "bob"}, 0)
		mayUse(ns, "deploy-prod")
		key := createUnder(ns, "deploy", "deploy-prod")
		obj := waitTokens(key, 2)
		captured := obj.Status.Policy
		Expect(captured).NotTo(BeNil())
		Expect(captured.Name).To(Equal("deploy-prod"))
		Expect(captured.Generation).To(BeEquivalentTo(1))
		Expect(captured.Digest).NotTo(BeEmpty())
		input := executionInput(obj)
		Expect(input).To(HaveKeyWithValue("tollgate", HaveKeyWithValue("policy", And(
			HaveKeyWithValue("name", "deploy-prod"), HaveKeyWithValue("generation", BeEquivalentTo(1)), HaveKeyWithValue("digest", captured.Digest)))))

		By("the administrator gives slot alice to mallory, and asks one approval of two")
		edit := map[string]any{"spec": map[string]any{
			"approvers": []any{map[string]any{"name": "alice", "users": []any{"mallory@example.com"}}, map[string]any{"name": "bob", "users": []any{person("bob")}}},
			"policy":    map[string]any{"requiredApprovals": 1},
		}}
		Expect(patchAs(k8sClient, policyRef(ns, "deploy-prod"), edit)).To(Succeed())
		Expect(annotateAs(mallory(), key, "approvals.tollgate.dev/alice", "approve")).To(refusedWith("mallory@example.com may not decide slot alice"))
		annotate(key, "approvals.tollgate.dev/bob", "approve")
		Eventually(func() *metav1.Time { return slotOf(getRequest(key), "bob").SentAt }, settle).ShouldNot(BeNil())
		Consistently(func() v1.Phase { return getRequest(key).Status.Phase }, "1s", 100*time.Millisecond).Should(Equal(v1.PhasePending), "2 of 2, as captured")

		By("the administrator deletes the policy")
		Expect(k8sClient.Delete(ctx, policyRef(ns, "deploy-prod"))).To(Succeed())
		annotate(key, "approvals.tollgate.dev/alice", "approve")
		obj = waitPhase(key, v1.PhaseApproved)
		Expect(obj.Status.Approvals).To(Equal("2/2"))
		Expect(obj.Status.Policy).To(Equal(captured), "the captured copy never changes")
	})

	It("a request applied together with its policy, request first, waits for it and reaches Pending", func() {
		const gitops = "gitops@example.com"
		Expect(env.ControlPlane.Grant(ctx, devenv.RoleRequester, ns, devenv.Users(gitops)...)).To(Succeed())
		bindPolicyAdmin(ns, gitops)
		manifest := filepath.Join(GinkgoT().TempDir(), "sync.yaml")
		Expect(os.WriteFile(manifest, []byte(`
apiVersion: approvals.tollgate.dev/v1alpha1
kind: ApprovalRequest
metadata: {name: together, namespace: `+ns+`}
spec:
  description: applied with its policy
  policyRef: {name: together}
---
apiVersion: approvals.tollgate.dev/v1alpha1
kind: GatePolicy
metadata: {name: together, namespace: `+ns+`}
spec:
  approvers:
  - {name: alice, users: [`+person("alice")+`]}
  - {name: bob, users: [`+person("bob")+`]}
`), 0o600)).To(Succeed())
		key := client.ObjectKey{Namespace: ns, Name: "together"}
		kubectl("apply", "--as", gitops, "-f", manifest)
		obj := waitTokens(key, 2)
		Expect(obj.Status.Phase).To(Equal(v1.PhasePending))
		Expect(obj.Status.Policy.Name).To(Equal("together"))

		By("a request whose policy is not there yet says so, and waits")
		Expect(as(gitops).Create(ctx, requestUnder(ns, "early", "later"))).To(Succeed())
		early := client.ObjectKey{Namespace: ns, Name: "early"}
		Eventually(func(g Gomega) {
			r := getRequest(early)
			c := meta.FindStatusCondition(r.Status.Conditions, v1.ConditionReady)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Reason).To(Equal(v1.ReasonPolicyNotFound))
			g.Expect(c.Message).To(ContainSubstring("GatePolicy later does not exist in namespace " + ns))
			g.Expect(meta.IsStatusConditionTrue(r.Status.Conditions, v1.ConditionReconciling)).To(BeTrue(), "in progress, not stalled: kstatus waits")
			g.Expect(r.Status.ExecutionARN).To(BeEmpty())
			g.Expect(r.Status.WaitingFor).To(Equal("its GatePolicy later"))
		}, settle).Should(Succeed())
		createPolicy(ns, "later", []string{"carol"}, 0)
		waitTokens(early, 1)
		Eventually(func() string { return getRequest(early).Status.WaitingFor }, settle).Should(Equal("carol (" + person("carol") + ")"))
	})

	It("an inline request in a namespace that does not require policies runs as today, with a Warning", func() {
		key := newRequest(ns, "inline", []string{"alice", "bob"}, 0)
		waitTokens(key, 2)
		Eventually(func() []string { return eventNotes(key, v1.ReasonInlineApprovers) }, settle).Should(ContainElement(ContainSubstring("names its own approvers")))
		annotate(key, "approvals.tollgate.dev/alice", "approve", "approvals.tollgate.dev/bob", "approve")
		waitPhase(key, v1.PhaseApproved)

		By("an inline allowSelfApproval or stateMachineARN needs a verb the requester does not hold")
		self := requestObject(ns, "self", []string{"alice"}, 0, func(r *v1.ApprovalRequest) { r.Spec.Policy = &v1.ApprovalPolicy{AllowSelfApproval: true} })
		Expect(as(requesterUser).Create(ctx, self)).To(refusedWith(`"self-approve"`, "spec.policy.allowSelfApproval"))
		machine := requestObject(ns, "machine", []string{"alice"}, 0, func(r *v1.ApprovalRequest) { r.Spec.StateMachineARN = sfnLocal.fixedThreeARN })
		Expect(as(requesterUser).Create(ctx, machine)).To(refusedWith(`"choose-state-machine"`, "spec.stateMachineARN"))
		mayWriteInlineRules(ns, policyAdminUser)
		Expect(env.ControlPlane.Grant(ctx, devenv.RoleRequester, ns, devenv.Users(policyAdminUser)...)).To(Succeed())
		self = requestObject(ns, "self", []string{"alice"}, 0, func(r *v1.ApprovalRequest) { r.Spec.Policy = &v1.ApprovalPolicy{AllowSelfApproval: true} })
		Expect(as(policyAdminUser).Create(ctx, self)).To(Succeed(), "an administrator holds the verb")
	})

	It("an upgrade keeps running the requests that name their own approvers, and warns each of them", func() {
		key := newRequest(ns, "before", []string{"alice", "bob"}, 0)
		waitTokens(key, 2)
		Eventually(func() []string { return eventNotes(key, v1.ReasonInlineApprovers) }, settle).Should(HaveLen(1))
		Consistently(func() []string { return eventNotes(key, v1.ReasonInlineApprovers) }, "1s", 100*time.Millisecond).Should(HaveLen(1),
			"once per start of the operator, not on every reconcile")

		By("the operator is replaced, as an upgrade replaces it")
		op.stop()
		op = startOperator(stepfunctions.Wrap(sfnLocal.client, nil))
		Eventually(func() []string { return eventNotes(key, v1.ReasonInlineApprovers) }, settle).Should(HaveLen(2))
		annotate(key, "approvals.tollgate.dev/alice", "approve", "approvals.tollgate.dev/bob", "approve")
		waitPhase(key, v1.PhaseApproved)
	})
})

// policyAdminUser administers the policies of a namespace (tollgate-policy-admin).
const policyAdminUser = "team-admin@example.com"

// requirePolicies labels a namespace as requiring policies, as a cluster administrator does.
func requirePolicies(ns string) {
	label := map[string]any{"metadata": map[string]any{"labels": map[string]any{v1.RequirePolicyLabel: "true"}}}
	Expect(patchAs(k8sClient, namespaceRef(ns), label)).To(Succeed())
}

// policyObject is a GatePolicy with one user per slot (see person), as a manifest holds it;
// required 0 means all.
func policyObject(ns, name string, slots []string, required int64) *unstructured.Unstructured {
	approvers := make([]any, 0, len(slots))
	for _, s := range slots {
		approvers = append(approvers, map[string]any{"name": s, "users": []any{person(s)}})
	}
	spec := map[string]any{"approvers": approvers}
	if required > 0 {
		spec["policy"] = map[string]any{"requiredApprovals": required}
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": v1.GroupVersion.String(), "kind": "GatePolicy",
		"metadata": map[string]any{"name": name, "namespace": ns},
		"spec":     spec,
	}}
}

// createPolicy creates a GatePolicy as a cluster administrator.
func createPolicy(ns, name string, slots []string, required int64) {
	Expect(k8sClient.Create(ctx, policyObject(ns, name, slots, required))).To(Succeed())
}

// policyRef names a GatePolicy, for patches and deletions.
func policyRef(ns, name string) *unstructured.Unstructured {
	u := policyObject(ns, name, nil, 0)
	delete(u.Object, "spec")
	return u
}

// policyUsers lists the users of a policy's slots, as stored.
func policyUsers(ns, name string) []string {
	u := policyRef(ns, name)
	Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(u), u)).To(Succeed())
	approvers, _, err := unstructured.NestedSlice(u.Object, "spec", "approvers")
	Expect(err).NotTo(HaveOccurred())
	var users []string
	for _, a := range approvers {
		names, _, _ := unstructured.NestedStringSlice(a.(map[string]any), "users")
		users = append(users, names...)
	}
	return users
}

// requestUnder is a request that references a policy.
func requestUnder(ns, name, policy string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": v1.GroupVersion.String(), "kind": "ApprovalRequest",
		"metadata": map[string]any{"name": name, "namespace": ns},
		"spec":     map[string]any{"description": "test: " + name, "policyRef": map[string]any{"name": policy}},
	}}
}

// createUnder creates a request under a policy as the namespace's requester.
func createUnder(ns, name, policy string) client.ObjectKey {
	Expect(as(requesterUser).Create(ctx, requestUnder(ns, name, policy))).To(Succeed())
	return client.ObjectKey{Namespace: ns, Name: name}
}

// mayUse lets the namespace's requester reference the named policies of ns — a Role with
// resourceNames, as docs/policies.md shows — and waits until RBAC says so.
func mayUse(ns string, policies ...string) {
	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "use-" + policies[0]},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{v1.GroupVersion.Group}, Resources: []string{identity.ResourcePolicies},
			ResourceNames: policies, Verbs: []string{v1.UseVerb, "get"}}},
	}
	Expect(k8sClient.Create(ctx, role)).To(Succeed())
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: role.Name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name},
		Subjects:   devenv.Users(requesterUser),
	}
	Expect(k8sClient.Create(ctx, binding)).To(Succeed())
	Expect(env.ControlPlane.WaitAllowedOn(ctx, requesterUser, nil, ns, identity.ResourcePolicies, policies[0], v1.UseVerb)).To(Succeed())
}

// executionInput is the input a request's execution started with.
func executionInput(obj *v1.ApprovalRequest) map[string]any {
	var in map[string]any
	Expect(json.Unmarshal([]byte(aws.ToString(execution(obj).Input)), &in)).To(Succeed())
	return in
}

// bindPolicyAdmin makes user an administrator of the namespace's policies.
func bindPolicyAdmin(ns, user string) {
	Expect(env.ControlPlane.Grant(ctx, devenv.RolePolicyAdmin, ns, devenv.Users(user)...)).To(Succeed())
}

// mayWriteInlineRules grants user the verbs an inline request's allowSelfApproval: true and
// stateMachineARN need (tollgate-policy-admin holds them), and waits until RBAC says so.
func mayWriteInlineRules(ns, user string) {
	bindPolicyAdmin(ns, user)
	for _, verb := range []string{v1.SelfApproveVerb, v1.ChooseStateMachineVerb} {
		Expect(env.ControlPlane.WaitAllowed(ctx, user, nil, ns, verb)).To(Succeed())
	}
}

// namespaceRef names a namespace, for patches.
func namespaceRef(ns string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ns}}}
}
