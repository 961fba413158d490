package helm

import (
	"context"
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/tollgate-dev/tollgate/internal/manifests"
)

// helm lint --strict passes for every release, with both Helm majors.
func TestLint(t *testing.T) {
	for _, h := range helms(t) {
		for _, r := range releases {
			t.Run(h.name+"/"+r.String(), func(t *testing.T) {
				if out, err := h.run(r.args("lint")...); err != nil {
					t.Error(err)
				} else {
					t.Logf("%s", out)
				}
			})
		}
	}
}

// The API server accepts every object each Helm renders for every release (server-side apply,
// dry-run), and the pieces are wired to each other.
func TestRenderingIsAcceptedByTheAPIServer(t *testing.T) {
	ctx := context.Background()
	for _, h := range helms(t) {
		for _, r := range releases {
			t.Run(h.name+"/"+r.String(), func(t *testing.T) {
				objs := h.render(t, r)
				if err := manifests.DryRun(ctx, cp.Client, objs); err != nil {
					t.Error(err)
				}
				if r.certManager {
					if err := r.install.CheckWiring(objs); err != nil {
						t.Error(err)
					}
				} else {
					checkOwnCertificate(t, objs)
				}
			})
		}
	}
}

// Helm v4 and v3 render the same objects.
func TestHelmMajorsRenderTheSame(t *testing.T) {
	hs := helms(t)
	for _, r := range releases {
		t.Run(r.String(), func(t *testing.T) {
			v4, v3 := byKey(hs[0].render(t, r)), byKey(hs[1].render(t, r))
			for k, o := range v4 {
				if !equality.Semantic.DeepEqual(o.Object, v3[k].Object) {
					t.Errorf("%s: helm v4 and v3 render different objects:\n%s", k, diff(o, v3[k]))
				}
			}
			for k := range v3 {
				if v4[k] == nil {
					t.Errorf("%s: only helm v3 renders it", k)
				}
			}
		})
	}
}

// checkOwnCertificate: without cert-manager, no cert-manager objects, and every webhook carries
// the CA bundle given.
func checkOwnCertificate(t *testing.T, objs []*unstructured.Unstructured) {
	for _, o := range objs {
		if o.GetAPIVersion() == "cert-manager.io/v1" || o.GetAnnotations()["cert-manager.io/inject-ca-from"] != "" {
			t.Errorf("certManager.enabled=false renders %s %s for cert-manager", o.GetKind(), o.GetName())
		}
		webhooks, _, _ := unstructured.NestedSlice(o.Object, "webhooks")
		for _, w := range webhooks {
			if ca, _, _ := unstructured.NestedString(w.(map[string]any), "clientConfig", "caBundle"); ca == "" {
				t.Errorf("%s: webhook %v has no caBundle", o.GetName(), w.(map[string]any)["name"])
			}
		}
	}
}
