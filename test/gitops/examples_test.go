package gitops

import (
	"context"
	"path"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// The shipped examples' requests are accepted by the API server and tollgate's webhooks as
// the GitOps controller applies them.
func TestExampleRequestsAreAccepted(t *testing.T) {
	for _, file := range []string{exampleRequest, "gitops/flux/example/payments/gate/approvalrequest.yaml"} {
		obj := readObjects(t, file)[0]
		obj.SetNamespace(namespace)
		err := testCluster.gitops.Apply(context.Background(), client.ApplyConfigurationFromUnstructured(obj),
			client.FieldOwner("gitops-example"), client.DryRunAll)
		if err != nil {
			t.Errorf("%s: %v", file, err)
		}
	}
}

// Argo CD: wave 0 holds the request, wave 1 the Deployment, and the request is named after
// the version the Deployment rolls out.
func TestArgoCDExampleGatesTheDeployment(t *testing.T) {
	dir := "gitops/argocd/example/payments"
	request := readObjects(t, path.Join(dir, "approvalrequest.yaml"))[0]
	deployment := readObjects(t, path.Join(dir, "deployment.yaml"))[0]
	if w := request.GetAnnotations()["argocd.argoproj.io/sync-wave"]; w != "0" {
		t.Errorf("the request is in sync wave %q, want 0", w)
	}
	if w := deployment.GetAnnotations()["argocd.argoproj.io/sync-wave"]; w != "1" {
		t.Errorf("the Deployment is in sync wave %q, want 1", w)
	}
	checkNamedAfterVersion(t, request, deployment)
	app := readObjects(t, "gitops/argocd/example/application.yaml")[0]
	if p, _, _ := unstructured.NestedString(app.Object, "spec", "source", "path"); p != dir {
		t.Errorf("the Application syncs %q, want %s", p, dir)
	}
	if prune, _, _ := unstructured.NestedBool(app.Object, "spec", "syncPolicy", "automated", "prune"); !prune {
		t.Error("the Application does not prune: old requests would stay")
	}
}

// Flux: the gate Kustomization waits for the request, the app Kustomization depends on it and
// reads the same source (so Flux also requires the gate at the same revision); the CEL variant
// is the same gate.
func TestFluxExampleGatesTheDeployment(t *testing.T) {
	ks := map[string]*unstructured.Unstructured{}
	for _, o := range readObjects(t, "gitops/flux/example/kustomizations.yaml") {
		if o.GetKind() == "Kustomization" {
			ks[o.GetName()] = o
		}
	}
	gate, app := ks["payments-gate"], ks["payments"]
	if gate == nil || app == nil {
		t.Fatalf("kustomizations.yaml lacks payments-gate or payments: %v", ks)
	}
	for _, k := range []*unstructured.Unstructured{gate, readObjects(t, celGate)[0]} {
		if wait, _, _ := unstructured.NestedBool(k.Object, "spec", "wait"); !wait {
			t.Errorf("%s does not wait for its request", k.GetName())
		}
		if prune, _, _ := unstructured.NestedBool(k.Object, "spec", "prune"); !prune {
			t.Errorf("%s does not prune: old requests would stay", k.GetName())
		}
		if p, _, _ := unstructured.NestedString(k.Object, "spec", "path"); p != "./gitops/flux/example/payments/gate" {
			t.Errorf("%s applies %q", k.GetName(), p)
		}
	}
	deps, _, _ := unstructured.NestedSlice(app.Object, "spec", "dependsOn")
	if len(deps) != 1 || deps[0].(map[string]any)["name"] != "payments-gate" {
		t.Errorf("payments depends on %v, want payments-gate", deps)
	}
	gateSrc, _, _ := unstructured.NestedMap(gate.Object, "spec", "sourceRef")
	appSrc, _, _ := unstructured.NestedMap(app.Object, "spec", "sourceRef")
	if gateSrc["name"] != appSrc["name"] || gateSrc["kind"] != appSrc["kind"] {
		t.Errorf("the gate reads %v, the app %v: with one source Flux also checks the gate's revision", gateSrc, appSrc)
	}
	request := readObjects(t, "gitops/flux/example/payments/gate/approvalrequest.yaml")[0]
	checkNamedAfterVersion(t, request, readObjects(t, "gitops/flux/example/payments/app/deployment.yaml")[0])
}

// checkNamedAfterVersion: the request's name ends with the tag of the Deployment's image, and
// its payload names that image.
func checkNamedAfterVersion(t *testing.T, request, deployment *unstructured.Unstructured) {
	t.Helper()
	containers, _, _ := unstructured.NestedSlice(deployment.Object, "spec", "template", "spec", "containers")
	if len(containers) == 0 {
		t.Fatal("the Deployment has no containers")
	}
	image, _ := containers[0].(map[string]any)["image"].(string)
	tag := image[strings.LastIndex(image, ":")+1:]
	if !strings.HasSuffix(request.GetName(), "-"+tag) {
		t.Errorf("the request %s is not named after the version %s it gates", request.GetName(), tag)
	}
	if p, _, _ := unstructured.NestedString(request.Object, "spec", "payload", "image"); p != image {
		t.Errorf("the request's payload names %q, the Deployment runs %q", p, image)
	}
}

// readObjects reads every object of a YAML file of the project.
func readObjects(t *testing.T, rel string) []*unstructured.Unstructured {
	t.Helper()
	objs, err := manifests(rel)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) == 0 {
		t.Fatalf("%s holds no object", rel)
	}
	return objs
}
