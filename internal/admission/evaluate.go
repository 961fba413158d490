// Package admission watches, from the operator, that tollgate's own admission is in force: its
// webhooks configured as they must be (Evaluate), and a forged decision refused when it is
// tried (probe). Decision records are not signed — what vouches for one is that admission
// checked, when it was written, that it names its writer — so the operator records and
// delivers decisions only while admission is in force, and takes back those that first
// appeared while it was not (Monitor.WrittenWhileAway).
package admission

import (
	"fmt"
	"slices"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	webhookv1 "github.com/tollgate-dev/tollgate/internal/webhook/v1alpha1"
)

// configured is one webhook as a configuration in the cluster has it.
type configured struct {
	mutating          bool
	failurePolicy     *admissionregistrationv1.FailurePolicyType
	rules             []admissionregistrationv1.RuleWithOperations
	namespaceSelector bool // it selects namespaces (some go unchecked)
	objectSelector    bool
	matchConditions   int
}

// Evaluate says whether tollgate's webhooks are in force as the configurations in the cluster
// have them: each of webhookv1.Webhooks present, of its kind, failing closed, for every
// namespace and object, with rules that cover its resources and operations. The reason names
// the first that is not.
func Evaluate(mutating []admissionregistrationv1.MutatingWebhookConfiguration, validating []admissionregistrationv1.ValidatingWebhookConfiguration) (bool, string) {
	found := map[string][]configured{}
	for _, c := range mutating {
		for _, w := range c.Webhooks {
			found[w.Name] = append(found[w.Name], configured{true, w.FailurePolicy, w.Rules, selects(w.NamespaceSelector), selects(w.ObjectSelector), len(w.MatchConditions)})
		}
	}
	for _, c := range validating {
		for _, w := range c.Webhooks {
			found[w.Name] = append(found[w.Name], configured{false, w.FailurePolicy, w.Rules, selects(w.NamespaceSelector), selects(w.ObjectSelector), len(w.MatchConditions)})
		}
	}
	for _, want := range webhookv1.Webhooks {
		if why := inForce(want, found[want.Name]); why != "" {
			return false, fmt.Sprintf("webhook %s %s", want.Name, why)
		}
	}
	return true, ""
}

// inForce says why no configuration of a webhook holds it in force ("" when one does).
func inForce(want webhookv1.Webhook, have []configured) string {
	if len(have) == 0 {
		return "is not configured"
	}
	why := ""
	for _, h := range have {
		switch {
		case h.mutating != want.Mutating:
			why = "is configured as the other kind of webhook"
		case h.failurePolicy != nil && *h.failurePolicy != admissionregistrationv1.Fail:
			why = "does not fail closed (failurePolicy " + string(*h.failurePolicy) + ")"
		case h.namespaceSelector || h.objectSelector || h.matchConditions > 0:
			why = "leaves some namespaces or objects unchecked (a selector or match conditions)"
		case !covers(h.rules, want):
			why = "does not cover " + strings.Join(want.Resources, ", ") + " for " + operations(want)
		default:
			return ""
		}
	}
	return why
}

// covers reports whether rules send every resource and operation of want to the webhook.
func covers(rules []admissionregistrationv1.RuleWithOperations, want webhookv1.Webhook) bool {
	for _, resource := range want.Resources {
		for _, op := range want.Operations {
			if !slices.ContainsFunc(rules, func(r admissionregistrationv1.RuleWithOperations) bool {
				return anyOf(r.APIGroups, "approvals.tollgate.dev") && anyOf(r.APIVersions, "v1alpha1") &&
					anyOf(r.Resources, resource) && slices.ContainsFunc(r.Operations, func(o admissionregistrationv1.OperationType) bool {
					return o == op || o == admissionregistrationv1.OperationAll
				})
			}) {
				return false
			}
		}
	}
	return true
}

// anyOf reports whether a rule's list names value, or all ("*").
func anyOf(list []string, value string) bool {
	return slices.Contains(list, value) || slices.Contains(list, "*")
}

// selects reports whether a selector restricts what a webhook is called for.
func selects(s *metav1.LabelSelector) bool {
	return s != nil && (len(s.MatchLabels) > 0 || len(s.MatchExpressions) > 0)
}

func operations(w webhookv1.Webhook) string {
	ops := make([]string, 0, len(w.Operations))
	for _, o := range w.Operations {
		ops = append(ops, string(o))
	}
	return strings.Join(ops, ", ")
}
