// Package install checks what a cluster administrator installs: config/default, rendered by
// kustomize as `make build-installer` renders it, is applied with a server-side dry-run to a
// real API server, so the API server itself validates every object — with cert-manager's CRDs
// (from cert-manager's own module, on the Go module proxy) installed as fixtures.
package install

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tollgate-dev/tollgate/internal/devenv"
)

// certManagerVersion is the cert-manager whose CRDs the check installs.
const certManagerVersion = "v1.21.2"

func TestDefaultInstallIsAcceptedByTheAPIServer(t *testing.T) {
	ctx := context.Background()
	objs := decode(t, render(t))
	cp, err := devenv.StartControlPlane(ctx, devenv.ControlPlaneOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := cp.Stop(); err != nil {
			t.Error(err)
		}
	}()
	for _, crd := range certManagerCRDs(t) {
		if err := cp.Client.Create(ctx, crd); err != nil {
			t.Fatalf("installing cert-manager's CRD %s: %v", crd.GetName(), err)
		}
	}
	if err := waitForCertManagerKinds(ctx, cp.Client); err != nil {
		t.Fatal(err)
	}

	for _, obj := range objs {
		if obj.GetKind() == "Namespace" {
			// Namespaced objects are checked in it, so it is made for real.
			if err := client.IgnoreAlreadyExists(cp.Client.Create(ctx, obj.DeepCopy())); err != nil {
				t.Fatalf("creating namespace %s: %v", obj.GetName(), err)
			}
		}
	}
	for _, obj := range objs {
		obj.SetManagedFields(nil)
		err := cp.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(obj),
			client.FieldOwner("install-check"), client.ForceOwnership, client.DryRunAll)
		if err != nil {
			t.Errorf("the API server refuses %s %s/%s: %v", obj.GetKind(), obj.GetNamespace(), obj.GetName(), err)
		}
	}
	checkWiring(t, objs)
}

// checkWiring asserts what the pieces must say to each other.
func checkWiring(t *testing.T, objs []*unstructured.Unstructured) {
	find := func(kind, name string) *unstructured.Unstructured {
		for _, o := range objs {
			if o.GetKind() == kind && o.GetName() == name {
				return o
			}
		}
		t.Fatalf("no %s %s in config/default", kind, name)
		return nil
	}
	for _, kind := range []string{"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"} {
		name := "tollgate-" + strings.ToLower(strings.TrimSuffix(kind, "WebhookConfiguration")) + "-webhook-configuration"
		hooks := find(kind, name)
		if got := hooks.GetAnnotations()["cert-manager.io/inject-ca-from"]; got != "tollgate-system/tollgate-serving-cert" {
			t.Errorf("%s: cert-manager.io/inject-ca-from = %q", name, got)
		}
		webhooks, _, _ := unstructured.NestedSlice(hooks.Object, "webhooks")
		for _, w := range webhooks {
			hook := w.(map[string]any)
			if hook["failurePolicy"] != "Fail" {
				t.Errorf("%s: webhook %s has failurePolicy %v: a webhook that decides must fail closed", name, hook["name"], hook["failurePolicy"])
			}
			svc, _, _ := unstructured.NestedMap(hook, "clientConfig", "service")
			if svc["name"] != "tollgate-webhook-service" || svc["namespace"] != "tollgate-system" {
				t.Errorf("%s: webhook %s calls service %v", name, hook["name"], svc)
			}
		}
	}
	dns, _, _ := unstructured.NestedStringSlice(find("Certificate", "tollgate-serving-cert").Object, "spec", "dnsNames")
	if !slices.Contains(dns, "tollgate-webhook-service.tollgate-system.svc") {
		t.Errorf("the serving certificate names %v, not the webhook service", dns)
	}
	deployment, _ := json.Marshal(find("Deployment", "tollgate-controller-manager").Object)
	for _, want := range []string{
		"--webhook-cert-path=", `"secretName":"webhook-server-cert"`, `"POD_NAMESPACE"`, `"serviceAccountName":"tollgate-controller-manager"`,
	} {
		if !bytes.Contains(deployment, []byte(want)) {
			t.Errorf("the manager's Deployment lacks %s", want)
		}
	}
	approver, _ := json.Marshal(find("ClusterRole", "tollgate-approver").Object)
	if !bytes.Contains(approver, []byte(`"approve"`)) {
		t.Error("tollgate-approver grants no verb approve")
	}
	for _, role := range []string{"tollgate-requester", "tollgate-viewer"} {
		if b, _ := json.Marshal(find("ClusterRole", role).Object); bytes.Contains(b, []byte(`"approve"`)) || bytes.Contains(b, []byte(`/status`)) {
			t.Errorf("%s grants approve or status", role)
		}
	}
	manager, _ := json.Marshal(find("ClusterRole", "tollgate-manager-role").Object)
	if !bytes.Contains(manager, []byte("subjectaccessreviews")) {
		t.Error("the manager's role cannot ask SubjectAccessReviews")
	}
}

// render builds config/default with the project's kustomize ($KUSTOMIZE, else bin/kustomize).
func render(t *testing.T) []byte {
	root, err := devenv.Root()
	if err != nil {
		t.Fatal(err)
	}
	kustomize := os.Getenv("KUSTOMIZE")
	if kustomize == "" {
		kustomize = filepath.Join(root, "bin", "kustomize")
	}
	if _, err := os.Stat(kustomize); err != nil {
		t.Fatalf("no kustomize at %s: run `make kustomize` (or make test, which builds it)", kustomize)
	}
	out, err := exec.Command(kustomize, "build", filepath.Join(root, "config", "default")).Output()
	if err != nil {
		if exit, ok := errors.AsType[*exec.ExitError](err); ok {
			t.Fatalf("kustomize build config/default: %v: %s", err, exit.Stderr)
		}
		t.Fatal(err)
	}
	return out
}

// certManagerCRDs are cert-manager's Certificate and Issuer CRDs, from its module.
func certManagerCRDs(t *testing.T) []*unstructured.Unstructured {
	out, err := exec.Command("go", "mod", "download", "-json", "github.com/cert-manager/cert-manager@"+certManagerVersion).Output()
	if err != nil {
		t.Fatalf("downloading cert-manager %s from the module proxy for its CRDs: %v", certManagerVersion, err)
	}
	var mod struct{ Dir string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		t.Fatalf("go mod download: %s (%v)", out, err)
	}
	files := []string{"cert-manager.io_certificates.yaml", "cert-manager.io_issuers.yaml"}
	crds := make([]*unstructured.Unstructured, 0, len(files))
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(mod.Dir, "deploy", "crds", f))
		if err != nil {
			t.Fatal(err)
		}
		crds = append(crds, decode(t, data)...)
	}
	return crds
}

// waitForCertManagerKinds waits until the API server serves the fixtures' kinds.
func waitForCertManagerKinds(ctx context.Context, c client.Client) error {
	var last error
	for range 100 {
		list := &unstructured.UnstructuredList{}
		list.SetAPIVersion("cert-manager.io/v1")
		list.SetKind("CertificateList")
		if last = c.List(ctx, list); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return last
}

func decode(t *testing.T, data []byte) []*unstructured.Unstructured {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var objs []*unstructured.Unstructured
	for {
		obj := &unstructured.Unstructured{}
		if err := dec.Decode(&obj.Object); errors.Is(err, io.EOF) {
			return objs
		} else if err != nil {
			t.Fatalf("decoding YAML: %v", err)
		}
		if len(obj.Object) > 0 {
			objs = append(objs, obj)
		}
	}
}
