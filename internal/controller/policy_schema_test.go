package controller_test

import (
	"io"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// The schema of GatePolicies, and of requests that reference one: refused at `kubectl apply`
// with the field named, before any controller or webhook sees it.
var _ = Describe("CRD schema of policies", func() {
	var ns string

	BeforeEach(func() {
		ns = createNamespace("policy-schema")
	})

	DescribeTable("refuses a bad GatePolicy, naming the field",
		func(spec string, wantField, wantMessage string) {
			err := createYAML(ns, `
apiVersion: approvals.tollgate.dev/v1alpha1
kind: GatePolicy
metadata: {name: p1}
spec:`+spec)
			expectRefusal(err, wantField, wantMessage)
		},
		Entry("no approvers", `
  approvers: []`, "spec.approvers", "should have at least 1 items"),
		Entry("approvers missing", `
  policy: {requiredApprovals: 1}`, "spec.approvers", "Required value"),
		Entry("no spec", ` {}`, "spec.approvers", "Required value"),
		Entry("duplicate slot names", `
  approvers:
  - {name: alice, users: [a]}
  - {name: alice, users: [b]}`, "spec.approvers[1]", "Duplicate value"),
		Entry("a slot with neither users nor groups", `
  approvers:
  - {name: alice}`, "spec.approvers[0]", "an approver must name at least one user or group"),
		Entry("more than 40 approvers", `
  approvers:`+fortyOneApprovers(), "spec.approvers", "must have at most 40 items"),
		Entry("requiredApprovals above the number of approvers", `
  approvers:
  - {name: alice, users: [a]}
  policy: {requiredApprovals: 2}`, "spec.policy.requiredApprovals", "must not exceed the number of approvers"),
		Entry("a state machine ARN that is not one", `
  approvers:
  - {name: alice, users: [a]}
  stateMachineARN: arn:aws:sqs:us-east-1:123456789012:queue`, "spec.stateMachineARN", "should match"),
	)

	DescribeTable("refuses a request that mixes a policy with rules of its own, naming the field",
		func(spec string, wantField, wantMessage string) {
			err := createYAML(ns, approvalRequestYAML(spec))
			expectRefusal(err, wantField, wantMessage)
		},
		Entry("a policy and approvers", `
  description: d
  policyRef: {name: p}
  approvers:
  - {name: alice, users: [mallory]}`, "spec.policyRef", "carries no approvers, policy or stateMachineARN of its own"),
		Entry("a policy and a quorum", `
  description: d
  policyRef: {name: p}
  policy: {requiredApprovals: 1}`, "spec.policyRef", "carries no approvers, policy or stateMachineARN of its own"),
		Entry("a policy and self-approval", `
  description: d
  policyRef: {name: p}
  policy: {allowSelfApproval: true}`, "spec.policyRef", "carries no approvers, policy or stateMachineARN of its own"),
		Entry("a policy and a state machine", `
  description: d
  policyRef: {name: p}
  stateMachineARN: arn:aws:states:us-east-1:123456789012:stateMachine:own`, "spec.policyRef", "carries no approvers, policy or stateMachineARN of its own"),
		Entry("neither a policy nor approvers", `
  description: d`, "spec.approvers", "a request references a GatePolicy (policyRef) or, where its namespace allows it, names its approvers"),
		Entry("a policy without a name", `
  description: d
  policyRef: {}`, "spec.policyRef.name", "Required value"),
		Entry("a policy name that is no object name", `
  description: d
  policyRef: {name: Not_A_Name}`, "spec.policyRef.name", "should match"),
		Entry("a policy name too long", `
  description: d
  policyRef: {name: `+strings.Repeat("p", 254)+`}`, "spec.policyRef.name", "may not be more than 253"),
	)

	It("documents the policy kind for kubectl explain, and shows each request's policy in kubectl get", func() {
		var out string
		Eventually(func() error { // the API server publishes a new CRD's OpenAPI a moment after it is established
			stdout, _, err := kubectlRun("explain", "gatepolicy.spec")
			if err == nil {
				b, _ := io.ReadAll(stdout)
				out = string(b)
			}
			return err
		}, settle, time.Second).Should(Succeed())
		Expect(out).To(MatchRegexp(words("the one place the rules of a gate are written")))
		for _, field := range []string{"approvers", "policy", "stateMachineARN"} {
			Expect(out).To(MatchRegexp(`(?m)^\s+` + field + `\s`))
		}
		Expect(kubectl("explain", "approvalrequest.spec.policyRef")).To(MatchRegexp(words("The requester needs the verb `use` on it")))
		Expect(kubectl("explain", "approvalrequest.status.policy")).To(MatchRegexp(words("Written once, never changed or removed")))
		Expect(createYAML(ns, approvalRequestYAML(`
  description: d
  policyRef: {name: deploy-prod}`))).To(Succeed(), "a cluster administrator may use any policy")
		Expect(kubectl("get", "apr", "-n", ns)).To(MatchRegexp(`(?m)^NAME\s+PHASE\s+POLICY\s+APPROVALS\s+WAITING FOR\s+AGE\n+r1\s+deploy-prod\s`))
		createPolicy(ns, "deploy-prod", []string{"alice", "bob"}, 1)
		Expect(kubectl("get", "gatepolicies", "-n", ns)).To(MatchRegexp(`(?m)^NAME\s+REQUIRED\s+GENERATION\s+AGE\n+deploy-prod\s+1\s+1\s`))
	})
})

// words matches a phrase however kubectl wraps it.
func words(phrase string) string {
	quoted := strings.Fields(phrase)
	for i, w := range quoted {
		quoted[i] = regexp.QuoteMeta(w)
	}
	return strings.Join(quoted, `\s+`)
}
