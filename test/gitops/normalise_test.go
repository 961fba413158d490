package gitops

import (
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// Stand-ins for what changes from one run to the next, in the testdata.
const (
	fixedUID             = "5f0c3a2e-7b1d-4c8e-9a6f-2d4b8e1c7a90"
	fixedResourceVersion = "4242"
	fixedTime            = "2026-01-01T00:00:00Z"
	tokenStandIn         = "<task token>"
	recordStandIn        = "<record>"
	policyUIDStandIn     = "<policy uid>"
)

// normalise is obj as the testdata keep it: `kubectl get -o yaml` (no managedFields) with what
// changes from run to run replaced by stand-ins — the UID (also inside the execution ARN), the
// resourceVersion, every timestamp, task tokens, the records of requester and decisions, the
// UID of the policy the request copied — and the slots of status.approvers in the order of
// their names, not of their tokens' arrival. Everything the operator decided (phase, conditions
// and their messages, counts, who decided what, the copy of the policy) is kept as it is.
func normalise(obj *unstructured.Unstructured) map[string]any {
	out := obj.DeepCopy()
	uid := string(out.GetUID())
	out.SetManagedFields(nil)
	out.SetUID(fixedUID)
	out.SetResourceVersion(fixedResourceVersion)
	ann := out.GetAnnotations()
	for k := range ann {
		if k == v1.RequesterAnnotation || strings.HasSuffix(k, v1.DecisionRecordSuffix) {
			ann[k] = recordStandIn
		}
	}
	out.SetAnnotations(ann)
	if _, ok, _ := unstructured.NestedString(out.Object, "status", "policy", "uid"); ok {
		_ = unstructured.SetNestedField(out.Object, policyUIDStandIn, "status", "policy", "uid") // status.policy is an object: cannot fail
	}
	approvers, _, _ := unstructured.NestedSlice(out.Object, "status", "approvers")
	for _, a := range approvers {
		if slot, ok := a.(map[string]any); ok {
			replaceIfSet(slot, "taskToken", tokenStandIn)
			replaceIfSet(slot, "record", recordStandIn)
		}
	}
	if approvers != nil {
		// A map-list keyed by name, in the order the tokens happened to arrive.
		slices.SortFunc(approvers, func(a, b any) int { return strings.Compare(slotName(a), slotName(b)) })
		_ = unstructured.SetNestedSlice(out.Object, approvers, "status", "approvers") // status is an object: cannot fail
	}
	return walkStrings(out.Object, func(s string) string {
		if _, err := time.Parse(time.RFC3339, s); err == nil {
			return fixedTime
		}
		if uid != "" {
			return strings.ReplaceAll(s, uid, fixedUID)
		}
		return s
	}).(map[string]any)
}

// slotName is the name of a status.approvers entry.
func slotName(entry any) string {
	m, _ := entry.(map[string]any)
	name, _ := m["name"].(string)
	return name
}

// replaceIfSet replaces a non-empty string field.
func replaceIfSet(m map[string]any, key, with string) {
	if s, ok := m[key].(string); ok && s != "" {
		m[key] = with
	}
}

// walkStrings returns v with every string value (not key) passed through f.
func walkStrings(v any, f func(string) string) any {
	switch x := v.(type) {
	case string:
		return f(x)
	case map[string]any:
		for k, item := range x {
			x[k] = walkStrings(item, f)
		}
		return x
	case []any:
		for i, item := range x {
			x[i] = walkStrings(item, f)
		}
		return x
	}
	return v
}
