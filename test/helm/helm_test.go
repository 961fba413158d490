package helm

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/tollgate-dev/tollgate/internal/devenv"
	"github.com/tollgate-dev/tollgate/internal/manifests"
)

// kubeVersion is the Kubernetes the chart is rendered for: the control plane's.
const kubeVersion = devenv.KubernetesVersion

// helmBinary is one Helm the chart must work with.
type helmBinary struct{ name, path string }

// helms are Helm v4 and v3: $HELM_V4 and $HELM_V3 (the Makefile sets them), else bin/helm-v4
// and bin/helm-v3.
func helms(t *testing.T) []helmBinary {
	t.Helper()
	majors := []struct{ name, env string }{{"helm-v4", "HELM_V4"}, {"helm-v3", "HELM_V3"}}
	out := make([]helmBinary, 0, len(majors))
	for _, h := range majors {
		path := os.Getenv(h.env)
		if path == "" {
			path = filepath.Join(root, "bin", h.name)
		}
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("no %s at %s: run `make helm` (or make test-helm)", h.name, path)
		}
		out = append(out, helmBinary{h.name, path})
	}
	return out
}

// release is how the chart is installed: a release name, a namespace, values files.
type release struct {
	name, namespace string
	values          []string
	// install is where the names and namespace land.
	install manifests.Install
	// certManager: the release has cert-manager's certificate and its wiring.
	certManager bool
}

var (
	// defaults installs as config/default does: release "tollgate" in "tollgate-system".
	defaults = release{name: "tollgate", namespace: devenv.OperatorNamespace,
		install: manifests.Install{Prefix: devenv.RolePrefix, Namespace: devenv.OperatorNamespace}, certManager: true}
	allOptions = release{name: "gate", namespace: "approvals", values: []string{"testdata/all-options.yaml"},
		install: manifests.Install{Prefix: "gate-tollgate-", Namespace: "approvals"}, certManager: true}
	noCertManager = release{name: "tollgate", namespace: "tollgate-bare", values: []string{"testdata/no-cert-manager.yaml"},
		install: manifests.Install{Prefix: "tollgate-", Namespace: "tollgate-bare"}}
	releases = []release{defaults, allOptions, noCertManager}
)

func (r release) String() string { return r.name + "@" + r.namespace }

func (r release) args(cmd string) []string {
	args := []string{cmd}
	if cmd == "template" {
		args = append(args, r.name)
	}
	args = append(args, filepath.Join(root, "dist", "chart"), "--namespace", r.namespace, "--kube-version", kubeVersion)
	for _, v := range r.values {
		args = append(args, "--values", v)
	}
	return args
}

// run runs a Helm command and returns its standard output.
func (h helmBinary) run(args ...string) ([]byte, error) {
	out, err := exec.Command(h.path, args...).Output()
	if err != nil {
		if exit, ok := errors.AsType[*exec.ExitError](err); ok {
			return out, fmt.Errorf("%s %v: %w: %s%s", h.name, args, err, out, exit.Stderr)
		}
		return out, fmt.Errorf("%s %v: %w", h.name, args, err)
	}
	return out, nil
}

// render is `helm template` of the release, decoded.
func (h helmBinary) render(t *testing.T, r release) []*unstructured.Unstructured {
	t.Helper()
	out, err := h.run(r.args("template")...)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := manifests.Decode(out)
	if err != nil {
		t.Fatalf("%s template %s: %v", h.name, r, err)
	}
	if len(objs) == 0 {
		t.Fatalf("%s template %s rendered nothing", h.name, r)
	}
	return objs
}
