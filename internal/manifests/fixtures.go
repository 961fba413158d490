package manifests

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Versions of the projects whose CRDs tollgate's manifests refer to, installed as fixtures.
const (
	CertManagerVersion        = "v1.21.2"
	PrometheusOperatorVersion = "v0.85.0"
)

// CertManagerCRDs are cert-manager's Certificate and Issuer CRDs, from its module.
func CertManagerCRDs() ([]*unstructured.Unstructured, error) {
	return moduleFiles("github.com/cert-manager/cert-manager", CertManagerVersion,
		"deploy/crds/cert-manager.io_certificates.yaml", "deploy/crds/cert-manager.io_issuers.yaml")
}

// ServiceMonitorCRD is prometheus-operator's ServiceMonitor CRD, from its module.
func ServiceMonitorCRD() ([]*unstructured.Unstructured, error) {
	return moduleFiles("github.com/prometheus-operator/prometheus-operator", PrometheusOperatorVersion,
		"example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml")
}

// moduleFiles are the objects of files of a module version, downloaded through the Go module
// proxy (`go mod download`, which leaves go.mod alone) into the module cache.
func moduleFiles(module, version string, files ...string) ([]*unstructured.Unstructured, error) {
	dir, err := ModuleDir(module, version)
	if err != nil {
		return nil, err
	}
	var objs []*unstructured.Unstructured
	for _, f := range files {
		o, err := DecodeFile(filepath.Join(dir, filepath.FromSlash(f)))
		if err != nil {
			return nil, err
		}
		objs = append(objs, o...)
	}
	return objs, nil
}

// ModuleDir is the directory of a module version in the module cache, downloaded if needed.
func ModuleDir(module, version string) (string, error) {
	out, err := exec.Command("go", "mod", "download", "-json", module+"@"+version).Output()
	if err != nil {
		if exit, ok := errors.AsType[*exec.ExitError](err); ok {
			err = fmt.Errorf("%w: %s", err, exit.Stderr)
		}
		return "", fmt.Errorf("downloading %s@%s from the module proxy: %w (%s)", module, version, err, out)
	}
	var mod struct{ Dir, Error string }
	if err := json.Unmarshal(out, &mod); err != nil {
		return "", fmt.Errorf("go mod download %s@%s: %w", module, version, err)
	}
	if mod.Dir == "" {
		return "", fmt.Errorf("go mod download %s@%s: no directory: %s", module, version, mod.Error)
	}
	return mod.Dir, nil
}

// InstallCRDs creates CRDs and waits until the API server serves their kinds.
func InstallCRDs(ctx context.Context, c client.Client, crds []*unstructured.Unstructured) error {
	for _, crd := range crds {
		if err := client.IgnoreAlreadyExists(c.Create(ctx, crd.DeepCopy())); err != nil {
			return fmt.Errorf("installing the CRD %s: %w", crd.GetName(), err)
		}
	}
	for _, crd := range crds {
		if err := waitServed(ctx, c, crd); err != nil {
			return err
		}
	}
	return nil
}

// waitServed waits until a list of the CRD's kind (at its first version) succeeds.
func waitServed(ctx context.Context, c client.Client, crd *unstructured.Unstructured) error {
	group, _, _ := unstructured.NestedString(crd.Object, "spec", "group")
	listKind, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "listKind")
	versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
	if len(versions) == 0 || listKind == "" {
		return fmt.Errorf("the CRD %s names no version or list kind", crd.GetName())
	}
	version, _ := versions[0].(map[string]any)["name"].(string)
	list := &unstructured.UnstructuredList{}
	list.SetAPIVersion(group + "/" + version)
	list.SetKind(listKind)
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := c.List(ctx, list)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the API server does not serve %s %s after 20s: %w", group, listKind, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
