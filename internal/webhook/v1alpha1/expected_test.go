package v1alpha1

import (
	"path/filepath"
	"slices"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/tollgate-dev/tollgate/internal/manifests"
)

// The operator checks the webhooks it finds in the cluster against Webhooks: the list must say
// what the markers (and so config/webhook/manifests.yaml, and the chart) configure.
func TestWebhooksListWhatTheManifestsConfigure(t *testing.T) {
	objs, err := manifests.DecodeFile(filepath.Join("..", "..", "..", "config", "webhook", "manifests.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]Webhook{}
	for _, obj := range objs {
		var cfg struct {
			Kind     string `json:"kind"`
			Webhooks []struct {
				Name  string                                       `json:"name"`
				Rules []admissionregistrationv1.RuleWithOperations `json:"rules"`
			} `json:"webhooks"`
		}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, &cfg); err != nil {
			t.Fatal(err)
		}
		for _, h := range cfg.Webhooks {
			w := Webhook{Name: h.Name, Mutating: cfg.Kind == "MutatingWebhookConfiguration"}
			for _, r := range h.Rules {
				w.Resources = append(w.Resources, r.Resources...)
				w.Operations = append(w.Operations, r.Operations...)
			}
			found[h.Name] = w
		}
	}
	if len(found) != len(Webhooks) {
		t.Errorf("the manifests configure %d webhooks, Webhooks lists %d", len(found), len(Webhooks))
	}
	for _, want := range Webhooks {
		got, ok := found[want.Name]
		if !ok || got.Mutating != want.Mutating || !slices.Equal(got.Resources, want.Resources) || !slices.Equal(got.Operations, want.Operations) {
			t.Errorf("webhook %s: the manifests say %+v, Webhooks %+v", want.Name, got, want)
		}
	}
}
