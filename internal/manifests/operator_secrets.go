package manifests

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// DefaultTokenKeySecret is the manager's task token key Secret when no --token-key-secret is
// given (internal/operator's, which this package cannot import: the webhooks' tests read the
// manifests with it).
const DefaultTokenKeySecret = "tollgate-token-key"

// checkOperatorSecrets fails unless the admission policy that limits the manager's Secrets
// names what the installation deploys: it fails closed, matches the manager's service account
// in the installation's namespace, admits the token key Secret the manager is given
// (--token-key-secret, else the manager's default), and is bound to deny.
func (in Install) checkOperatorSecrets(find func(kind, name string) *unstructured.Unstructured, fail func(string, ...any)) {
	policy, binding := find("ValidatingAdmissionPolicy", "operator-secrets"), find("ValidatingAdmissionPolicyBinding", "operator-secrets")
	name := in.Prefix + "operator-secrets"
	if fp, _, _ := unstructured.NestedString(policy.Object, "spec", "failurePolicy"); fp != "Fail" {
		fail("%s has failurePolicy %q: it must fail closed", name, fp)
	}
	account := fmt.Sprintf("'system', 'serviceaccount', '%s', '%scontroller-manager'", in.Namespace, in.Prefix)
	checkJSON(policy, fail, name+" does not match the manager's service account:", account)
	key := DefaultTokenKeySecret
	for _, arg := range containerArgs(find("Deployment", "controller-manager")) {
		if v, ok := strings.CutPrefix(arg, "--token-key-secret="); ok {
			key = v
		}
	}
	checkJSON(policy, fail, name+" does not admit the manager's token key Secret:", "== '"+key+"'")
	if got, _, _ := unstructured.NestedString(binding.Object, "spec", "policyName"); got != name {
		fail("the binding %s binds policy %q, want %s", name, got, name)
	}
	if actions, _, _ := unstructured.NestedStringSlice(binding.Object, "spec", "validationActions"); !slices.Contains(actions, "Deny") {
		fail("the binding %s has validationActions %v: it must deny", name, actions)
	}
}

// containerArgs are the arguments of a Deployment's first container.
func containerArgs(d *unstructured.Unstructured) []string {
	containers, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
	if len(containers) == 0 {
		return nil
	}
	c, _ := containers[0].(map[string]any)
	args, _, _ := unstructured.NestedStringSlice(c, "args")
	return args
}
