// Package helm checks the Helm chart in dist/chart with the Helm binaries the Makefile builds
// (v4 and v3, `make helm`): it lints and renders, the API server of a local control plane
// accepts what it renders (a server-side dry-run, with cert-manager's and prometheus-operator's
// CRDs installed as fixtures), and it renders what config/ renders, so the two cannot drift.
// A module of its own: Helm's Kubernetes versions stay out of tollgate's go.mod.
package helm

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/devenv"
	"github.com/tollgate-dev/tollgate/internal/manifests"
)

var (
	// root is the project's root.
	root string
	// cp is the control plane every test shares: what the API server accepts does not depend on
	// what another test dry-ran.
	cp *devenv.ControlPlane
)

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

func run(m *testing.M) (code int, err error) {
	ctx := context.Background()
	if root, err = devenv.Root(); err != nil {
		return 0, err
	}
	if cp, err = devenv.StartControlPlane(ctx, devenv.ControlPlaneOptions{}); err != nil {
		return 0, err
	}
	defer func() {
		if stopErr := cp.Stop(); stopErr != nil && err == nil {
			err = fmt.Errorf("stopping the control plane: %w", stopErr)
		}
	}()
	certManager, err := manifests.CertManagerCRDs()
	if err != nil {
		return 0, err
	}
	serviceMonitor, err := manifests.ServiceMonitorCRD()
	if err != nil {
		return 0, err
	}
	if err := manifests.InstallCRDs(ctx, cp.Client, append(certManager, serviceMonitor...)); err != nil {
		return 0, err
	}
	return m.Run(), nil
}
