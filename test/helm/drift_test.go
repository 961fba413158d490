package helm

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"

	"github.com/tollgate-dev/tollgate/internal/manifests"
)

// With its default values, as release "tollgate" in "tollgate-system", the chart renders what
// config/default renders (`make build-installer`), object for object: the CRDs, the RBAC (the
// manager's roles, leader election, metrics auth, the roles for people), the webhook
// configurations, the certificate, the Services and the manager's Deployment (its arguments,
// ports, probes, volumes...), but for Helm's labels, the Namespace (Helm's --create-namespace)
// and the image. CRDs, roles and webhooks are made by controller-gen from the code: the chart
// cannot fall behind it unnoticed.
func TestChartRendersWhatConfigRenders(t *testing.T) {
	rendered, err := manifests.Kustomize(root, "config/default")
	if err != nil {
		t.Fatal(err)
	}
	config, err := manifests.Decode(rendered)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	chart := byKey(helms(t)[0].render(t, defaults))
	for _, c := range config {
		if c.GetKind() == "Namespace" {
			continue
		}
		want[key(c)] = true
		h, ok := chart[key(c)]
		if !ok {
			t.Errorf("config/default has %s, the chart does not (it has %v)", key(c), sortedKeys(chart))
			continue
		}
		if a, b := normalize(c), normalize(h); !equality.Semantic.DeepEqual(a.Object, b.Object) {
			t.Errorf("%s differs between config/default (-) and the chart (+):\n%s", key(c), diff(a, b))
		}
	}
	for k := range chart {
		if !want[k] {
			t.Errorf("the chart has %s, config/default does not", k)
		}
	}
}
