// Package install checks what a cluster administrator installs: config/default, rendered by
// kustomize as `make build-installer` renders it, is applied with a server-side dry-run to a
// real API server, so the API server itself validates every object — with cert-manager's CRDs
// (from cert-manager's own module, on the Go module proxy) installed as fixtures. With
// $INSTALL_YAML (`make test-installer` sets it) the YAML `make build-installer` wrote is checked
// the same way, and its manager image must be $INSTALL_IMG.
package install

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/tollgate-dev/tollgate/internal/devenv"
	"github.com/tollgate-dev/tollgate/internal/manifests"
)

// configDefault is where config/default installs tollgate.
var configDefault = manifests.Install{Prefix: devenv.RolePrefix, Namespace: devenv.OperatorNamespace}

func TestDefaultInstallIsAcceptedByTheAPIServer(t *testing.T) {
	ctx := context.Background()
	root, err := devenv.Root()
	if err != nil {
		t.Fatal(err)
	}
	rendered, err := manifests.Kustomize(root, "config/default")
	if err != nil {
		t.Fatal(err)
	}
	installs := map[string][]*unstructured.Unstructured{"config/default": decode(t, rendered)}
	if path := os.Getenv("INSTALL_YAML"); path != "" {
		objs, err := manifests.DecodeFile(path)
		if err != nil {
			t.Fatal(err)
		}
		installs[filepath.Base(path)] = objs
		checkImage(t, objs, os.Getenv("INSTALL_IMG"))
	}

	cp, err := devenv.StartControlPlane(ctx, devenv.ControlPlaneOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := cp.Stop(); err != nil {
			t.Error(err)
		}
	}()
	crds, err := manifests.CertManagerCRDs()
	if err != nil {
		t.Fatal(err)
	}
	if err := manifests.InstallCRDs(ctx, cp.Client, crds); err != nil {
		t.Fatal(err)
	}
	for name, objs := range installs {
		t.Run(name, func(t *testing.T) {
			if err := manifests.DryRun(ctx, cp.Client, objs); err != nil {
				t.Error(err)
			}
			if err := configDefault.CheckWiring(objs); err != nil {
				t.Error(err)
			}
			checkPolicies(t, objs)
		})
	}
}

// checkImage fails unless the manager's Deployment runs image (when given).
func checkImage(t *testing.T, objs []*unstructured.Unstructured, image string) {
	if image == "" {
		return
	}
	d := manifests.Find(objs, "Deployment", configDefault.Prefix+"controller-manager")
	if d == nil {
		t.Fatal("no manager Deployment in the installer")
	}
	containers, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
	var got any
	if len(containers) > 0 {
		got = containers[0].(map[string]any)["image"]
	}
	if got != image {
		t.Errorf("the installer's manager runs image %v, want %s", got, image)
	}
}

// checkPolicies: a new installation requires policies in every namespace not labelled otherwise
// (docs/policies.md), and ships the roles of those who write and use them.
func checkPolicies(t *testing.T, objs []*unstructured.Unstructured) {
	t.Helper()
	d := manifests.Find(objs, "Deployment", configDefault.Prefix+"controller-manager")
	if d == nil {
		t.Fatal("no manager Deployment in the installer")
	}
	containers, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
	var args []string
	if len(containers) > 0 {
		args, _, _ = unstructured.NestedStringSlice(containers[0].(map[string]any), "args")
	}
	if !slices.Contains(args, "--policy-enforcement=everywhere") {
		t.Errorf("a new installation's manager does not require policies everywhere: its arguments are %q", args)
	}
	for _, role := range []string{devenv.RolePolicyAdmin, devenv.RolePolicyUser} {
		if manifests.Find(objs, "ClusterRole", role) == nil {
			t.Errorf("the installation ships no ClusterRole %s", role)
		}
	}
}

func decode(t *testing.T, data []byte) []*unstructured.Unstructured {
	objs, err := manifests.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}
