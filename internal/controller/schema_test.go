package controller_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/controller"
	"github.com/tollgate-dev/tollgate/internal/devenv"
	"github.com/tollgate-dev/tollgate/internal/stepfunctions"
)

// The CRD schema is the first line of defence: a bad object is refused at `kubectl apply` with a
// message naming the field, before any controller sees it.
var _ = Describe("CRD schema", func() {
	var ns string

	BeforeEach(func() {
		ns = createNamespace("schema")
	})

	It("accepts every sample in config/samples, each created by whom it is for", func() {
		op := startOperator(stepfunctions.Wrap(sfnLocal.client, nil)) // requests start under their policies
		defer op.stop()
		Expect(env.ControlPlane.Grant(ctx, devenv.RolePolicyUser, ns, devenv.Users(requesterUser)...)).To(Succeed())
		files, err := filepath.Glob(filepath.Join("..", "..", "config", "samples", "approvals_*.yaml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(files).NotTo(BeEmpty())
		byKind := map[string][]*unstructured.Unstructured{}
		for _, f := range files {
			raw, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			for _, obj := range decodeYAML(string(raw)) {
				obj.SetNamespace(ns)
				byKind[obj.GetKind()] = append(byKind[obj.GetKind()], obj)
			}
		}
		Expect(byKind).To(HaveKey("GatePolicy"))
		for _, p := range byKind["GatePolicy"] {
			Expect(k8sClient.Create(ctx, p)).To(Succeed(), "sample policy %s, by an administrator", p.GetName())
		}
		for _, c := range byKind["NotificationConfig"] {
			Expect(notificationsAdmin(ns).Create(ctx, c)).To(Succeed(), "sample NotificationConfig %s", c.GetName())
		}
		for _, c := range byKind["ClusterNotificationConfig"] {
			c.SetNamespace("")
			Expect(clusterNotificationsAdmin().Create(ctx, c)).To(Succeed(), "sample ClusterNotificationConfig %s", c.GetName())
			DeferCleanup(func() { Expect(k8sClient.Delete(ctx, c)).To(Succeed()) })
		}
		for _, r := range byKind["ApprovalRequest"] {
			Expect(as(requesterUser).Create(ctx, r)).To(Succeed(), "sample request %s", r.GetName())
			waitTokens(client.ObjectKeyFromObject(r), 3)
		}
		decisions := byKind["ApproverDecision"]
		Expect(decisions).NotTo(BeEmpty())
		for _, d := range decisions {
			request := getRequest(client.ObjectKey{Namespace: ns, Name: nestedString(d, "spec", "approvalRequestName")})
			slot := nestedString(d, "spec", "approver")
			approver := slotUsersOf(request, slot)
			Expect(approver).NotTo(BeEmpty(), "sample decision %s names slot %s, which has no user", d.GetName(), slot)
			Expect(as(approver[0], approversGroup).Create(ctx, d)).To(Succeed(), "sample decision %s as %s", d.GetName(), approver[0])
		}
	})

	DescribeTable("refuses a bad ApprovalRequest, naming the field",
		func(spec string, wantField, wantMessage string) {
			err := createYAML(ns, approvalRequestYAML(spec))
			expectRefusal(err, wantField, wantMessage)
		},
		Entry("no approvers", `
  description: d
  approvers: []`, "spec.approvers", "should have at least 1 items"),
		Entry("approvers missing, and no policy", `
  description: d`, "spec.approvers", "a request references a GatePolicy (policyRef) or, where its namespace allows it, names its approvers"),
		Entry("duplicate slot names", `
  description: d
  approvers:
  - {name: alice, users: [a]}
  - {name: alice, users: [b]}`, "spec.approvers[1]", "Duplicate value"),
		Entry("a slot with neither users nor groups", `
  description: d
  approvers:
  - {name: alice}`, "spec.approvers[0]", "an approver must name at least one user or group"),
		Entry("a slot with empty users and groups", `
  description: d
  approvers:
  - {name: alice, users: [], groups: []}`, "spec.approvers[0]", "an approver must name at least one user or group"),
		Entry("more than 40 approvers: AWS runs at most 40 iterations of the inline Map at once", `
  description: d
  approvers:`+fortyOneApprovers(), "spec.approvers", "must have at most 40 items"),
		Entry("a slot name that is not a DNS-1123 label", `
  description: d
  approvers:
  - {name: Alice_1, users: [a]}`, "spec.approvers[0].name", "should match"),
		Entry("a slot name too long for the annotation key", `
  description: d
  approvers:
  - {name: `+strings.Repeat("a", 56)+`, users: [a]}`, "spec.approvers[0].name", "may not be more than 55"),
		Entry("requiredApprovals above the number of approvers", `
  description: d
  approvers:
  - {name: alice, users: [a]}
  - {name: bob, users: [b]}
  policy: {requiredApprovals: 3}`, "spec.policy.requiredApprovals", "must not exceed the number of approvers"),
		Entry("requiredApprovals of zero", `
  description: d
  approvers:
  - {name: alice, users: [a]}
  policy: {requiredApprovals: 0}`, "spec.policy.requiredApprovals", "should be greater than or equal to 1"),
		Entry("a timeout that is not a duration", `
  description: d
  approvers:
  - {name: alice, users: [a]}
  timeout: tomorrow`, "spec.timeout", "should match"),
		Entry("a timeout under a minute", `
  description: d
  approvers:
  - {name: alice, users: [a]}
  timeout: 5s`, "spec.timeout", "timeout must be between 1m and 8736h"),
		Entry("no description", `
  approvers:
  - {name: alice, users: [a]}`, "spec.description", "Required value"),
		Entry("a state machine ARN that is not one", `
  description: d
  approvers:
  - {name: alice, users: [a]}
  stateMachineARN: arn:aws:sqs:us-east-1:123456789012:queue`, "spec.stateMachineARN", "should match"),
		Entry("a notification route that is not a route's name", `
  description: d
  approvers:
  - {name: alice, users: [a]}
  notification: {route: "https://hooks.example.com/mine"}`, "spec.notification.route", "should match"),
		Entry("an empty notification route", `
  description: d
  approvers:
  - {name: alice, users: [a]}
  notification: {route: ""}`, "spec.notification.route", "should be at least 1 chars long"),
		Entry("a payload that is not an object", `
  description: d
  approvers:
  - {name: alice, users: [a]}
  payload: [1, 2]`, "spec.payload", "must be of type object"),
	)

	DescribeTable("refuses a bad ApproverDecision, naming the field",
		func(spec string, wantField, wantMessage string) {
			err := createYAML(ns, `
apiVersion: approvals.tollgate.dev/v1alpha1
kind: ApproverDecision
metadata: {name: d1}
spec:`+spec)
			expectRefusal(err, wantField, wantMessage)
		},
		Entry("a decision outside the enum", `
  approvalRequestName: r
  approver: alice
  decision: Maybe`, "spec.decision", `supported values: "Approve", "Reject"`),
		Entry("no approver", `
  approvalRequestName: r
  decision: Approve`, "spec.approver", "Required value"),
		Entry("no request", `
  approver: alice
  decision: Approve`, "spec.approvalRequestName", "Required value"),
	)

	It("refuses any change to a request's spec", func() {
		Expect(createYAML(ns, approvalRequestYAML(`
  description: before
  approvers:
  - {name: alice, users: [a]}`))).To(Succeed())
		obj := &unstructured.Unstructured{}
		obj.SetAPIVersion("approvals.tollgate.dev/v1alpha1")
		obj.SetKind("ApprovalRequest")
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "r1"}, obj)).To(Succeed())
		Expect(unstructured.SetNestedField(obj.Object, "after", "spec", "description")).To(Succeed())
		err := k8sClient.Update(ctx, obj)
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).To(ContainSubstring("spec is immutable: a changed request is a new request"))
	})

	It("keeps a task token of 2,048 characters, the longest AWS's service model allows, sealed", func() {
		key := newRequest(ns, "long-token", []string{"alice"}, 0)
		obj := getRequest(key)
		base := obj.DeepCopy()
		sealed := suiteKeyring().Seal(strings.Repeat("t", 2048), controller.TokenBinding(obj, "alice"))
		obj.Status.Approvers = []v1.ApproverStatus{{Name: "alice", TaskToken: sealed}}
		Expect(as(devenv.OperatorUsername).Status().Patch(ctx, obj, client.MergeFrom(base))).To(Succeed())

		obj, base = getRequest(key), obj.DeepCopy()
		obj.Status.Approvers[0].TaskToken = sealed + strings.Repeat("A", 4097-len(sealed))
		Expect(as(devenv.OperatorUsername).Status().Patch(ctx, obj, client.MergeFrom(base))).To(MatchError(ContainSubstring("4096")))
	})

	It("refuses any change to a decision's spec", func() {
		approveDecision(newRequest(ns, "r", []string{"alice"}, 0), "d1", "alice", "")
		obj := &unstructured.Unstructured{}
		obj.SetAPIVersion("approvals.tollgate.dev/v1alpha1")
		obj.SetKind("ApproverDecision")
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "d1"}, obj)).To(Succeed())
		Expect(unstructured.SetNestedField(obj.Object, "Reject", "spec", "decision")).To(Succeed())
		err := k8sClient.Update(ctx, obj)
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).To(ContainSubstring("spec is immutable: a decision is final"))
	})

	It("documents the API for kubectl explain", func() {
		out := kubectl("explain", "approvalrequest.spec.approvers")
		Expect(out).To(ContainSubstring("approvers are the approval slots"))
		for _, field := range []string{"name", "users", "groups", "email"} {
			Expect(out).To(MatchRegexp(`(?m)^\s+` + field + `\s`))
		}
		Expect(kubectl("explain", "approverdecision.spec.decision")).To(ContainSubstring("Approve or Reject"))
	})
})

// expectRefusal fails unless the API server refused a write, naming the field and saying why.
func expectRefusal(err error, field, message string) {
	GinkgoHelper()
	Expect(err).To(HaveOccurred())
	Expect(err.Error()).To(ContainSubstring(field))
	Expect(err.Error()).To(ContainSubstring(message))
}

// fortyOneApprovers lists 41 approver slots in YAML.
func fortyOneApprovers() string {
	var b strings.Builder
	for i := range 41 {
		fmt.Fprintf(&b, "\n  - {name: a%d, users: [a]}", i)
	}
	return b.String()
}

// nestedString reads a string field of an object.
func nestedString(obj *unstructured.Unstructured, fields ...string) string {
	s, _, err := unstructured.NestedString(obj.Object, fields...)
	Expect(err).NotTo(HaveOccurred())
	return s
}

// approvalRequestYAML wraps a spec fragment into a request named r1.
func approvalRequestYAML(spec string) string { return objectYAML("ApprovalRequest", "r1", spec) }

// objectYAML wraps a spec fragment into an object of tollgate's API.
func objectYAML(kind, name, spec string) string {
	return "\napiVersion: approvals.tollgate.dev/v1alpha1\nkind: " + kind + "\nmetadata: {name: " + name + "}\nspec:" + spec
}

// createYAML creates the single object in doc in namespace ns, as `kubectl create` would.
func createYAML(ns, doc string) error {
	objs := decodeYAML(doc)
	Expect(objs).To(HaveLen(1))
	objs[0].SetNamespace(ns)
	return k8sClient.Create(ctx, objs[0])
}

// decodeYAML reads every object of a multi-document YAML stream.
func decodeYAML(doc string) []*unstructured.Unstructured {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewBufferString(doc), 4096)
	var objs []*unstructured.Unstructured
	for {
		obj := &unstructured.Unstructured{}
		if err := dec.Decode(&obj.Object); err == io.EOF {
			return objs
		} else {
			Expect(err).NotTo(HaveOccurred())
		}
		if len(obj.Object) > 0 {
			objs = append(objs, obj)
		}
	}
}

// kubectl runs the kubectl built with the control plane, as a cluster administrator.
func kubectl(args ...string) string {
	stdout, stderr, err := kubectlRun(args...)
	errOut, _ := io.ReadAll(stderr)
	Expect(err).NotTo(HaveOccurred(), "kubectl %v: %s", args, errOut)
	out, _ := io.ReadAll(stdout)
	return string(out)
}
