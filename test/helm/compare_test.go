package helm

import (
	"fmt"
	"maps"
	"regexp"
	"slices"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// helmLabels are the labels the chart adds that config/ does not (or sets otherwise).
var helmLabels = []string{
	"helm.sh/chart", "app.kubernetes.io/managed-by", "app.kubernetes.io/instance",
	"app.kubernetes.io/version", "app.kubernetes.io/name",
}

// key names an object: kind, namespace and name.
func key(o *unstructured.Unstructured) string {
	return fmt.Sprintf("%s %s/%s", o.GetKind(), o.GetNamespace(), o.GetName())
}

func byKey(objs []*unstructured.Unstructured) map[string]*unstructured.Unstructured {
	m := make(map[string]*unstructured.Unstructured, len(objs))
	for _, o := range objs {
		m[key(o)] = o
	}
	return m
}

func diff(a, b *unstructured.Unstructured) string {
	if b == nil {
		return "(missing)"
	}
	return cmp.Diff(a.Object, b.Object)
}

// normalize makes a copy of obj without what may differ between the chart and config/: Helm's
// labels, the CRDs' keep policy, and in a Deployment the image and how arguments get their
// values (config/ passes some through environment variables, "$(AWS_REGION)", which are
// substituted here and dropped); the arguments are sorted.
func normalize(obj *unstructured.Unstructured) *unstructured.Unstructured {
	o := obj.DeepCopy()
	labels := o.GetLabels()
	for _, l := range helmLabels {
		delete(labels, l)
	}
	o.SetLabels(nilIfEmpty(labels))
	annotations := o.GetAnnotations()
	delete(annotations, "helm.sh/resource-policy")
	o.SetAnnotations(nilIfEmpty(annotations))
	if o.GetKind() != "Deployment" {
		return o
	}
	containers, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
	for _, c := range containers {
		normalizeContainer(c.(map[string]any))
	}
	_ = unstructured.SetNestedSlice(o.Object, containers, "spec", "template", "spec", "containers") // a list: cannot fail
	return o
}

var envRef = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

func normalizeContainer(c map[string]any) {
	delete(c, "image")
	delete(c, "imagePullPolicy")
	values := map[string]string{}
	env, _ := c["env"].([]any)
	for _, e := range env {
		if v, ok := e.(map[string]any)["value"].(string); ok {
			values[e.(map[string]any)["name"].(string)] = v
		}
	}
	used := map[string]bool{}
	raw, _ := c["args"].([]any)
	args := make([]string, 0, len(raw))
	for _, a := range raw {
		args = append(args, envRef.ReplaceAllStringFunc(a.(string), func(ref string) string {
			name := envRef.FindStringSubmatch(ref)[1]
			if v, ok := values[name]; ok {
				used[name] = true
				return v
			}
			return ref
		}))
	}
	slices.Sort(args)
	c["args"] = toAny(args)
	env = slices.DeleteFunc(env, func(e any) bool { return used[e.(map[string]any)["name"].(string)] })
	if len(env) == 0 {
		delete(c, "env")
	} else {
		c["env"] = env
	}
}

// nilIfEmpty drops an empty map: no labels and labels: {} are the same.
func nilIfEmpty(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// sortedKeys lists a map's keys in order (for messages).
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
