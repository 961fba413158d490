package helm

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/tollgate-dev/tollgate/internal/manifests"
)

// With serviceMonitor.enabled, the chart renders config/prometheus's ServiceMonitor as
// config/default would with its [PROMETHEUS] line uncommented (its namespace and name prefix),
// but for Helm's labels and the server name the chart adds to its TLS settings (the metrics
// Service's DNS name, for a Prometheus that verifies the certificate; config/prometheus's TLS
// patch writes the same one). config/default leaves the monitor out, so
// TestChartRendersWhatConfigRenders does not see it.
func TestChartServiceMonitorIsConfigs(t *testing.T) {
	dir := t.TempDir()
	base, err := filepath.Rel(dir, filepath.Join(root, "config", "prometheus")) // kustomize refuses absolute bases
	if err != nil {
		t.Fatal(err)
	}
	kustomization := fmt.Sprintf("namespace: %s\nnamePrefix: %s\nresources:\n- %s\n", defaults.install.Namespace, defaults.install.Prefix, base)
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(kustomization), 0o600); err != nil {
		t.Fatal(err)
	}
	rendered, err := manifests.Kustomize("", dir)
	if err != nil {
		t.Fatal(err)
	}
	config, err := manifests.Decode(rendered)
	if err != nil {
		t.Fatal(err)
	}
	if len(config) != 1 || config[0].GetKind() != "ServiceMonitor" {
		t.Fatalf("config/prometheus renders %d objects, want its ServiceMonitor alone", len(config))
	}
	withMonitor := defaults
	withMonitor.values = []string{"testdata/service-monitor.yaml"}
	chart := byKey(helms(t)[0].render(t, withMonitor))
	got, ok := chart[key(config[0])]
	if !ok {
		t.Fatalf("the chart with serviceMonitor.enabled has no %s (it has %v)", key(config[0]), sortedKeys(chart))
	}
	got = normalize(got)
	endpoints, _, _ := unstructured.NestedSlice(got.Object, "spec", "endpoints")
	for _, e := range endpoints {
		if tls, ok := e.(map[string]any)["tlsConfig"].(map[string]any); ok {
			want := withMonitor.install.Prefix + "controller-manager-metrics-service." + withMonitor.install.Namespace + ".svc"
			if tls["serverName"] != want {
				t.Errorf("the chart's ServiceMonitor names server %v, want the metrics Service %s", tls["serverName"], want)
			}
			delete(tls, "serverName")
		}
	}
	_ = unstructured.SetNestedSlice(got.Object, endpoints, "spec", "endpoints") // a list: cannot fail
	if want := normalize(config[0]); !equality.Semantic.DeepEqual(want.Object, got.Object) {
		t.Errorf("the ServiceMonitor differs between config/prometheus (-) and the chart (+):\n%s", diff(want, got))
	}
}
