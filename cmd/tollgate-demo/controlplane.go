package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tollgate-dev/tollgate/internal/devenv"
)

// startControlPlane starts the local kube-apiserver and etcd (internal/devenv, as the tests do)
// with etcd's data kept in the state directory, so a restarted demo still has its requests, and
// writes an administrator's kubeconfig for the person at the other terminal.
func startControlPlane(ctx context.Context, stateDir string) (*devenv.ControlPlane, string, error) {
	etcdDir := filepath.Join(stateDir, "etcd")
	fresh := true
	if _, err := os.Stat(filepath.Join(etcdDir, "member")); err == nil {
		fresh = false
	}
	if err := os.MkdirAll(etcdDir, 0o700); err != nil {
		return nil, "", err
	}
	logPath := filepath.Join(stateDir, "control-plane.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, "", err
	}
	if fresh {
		say("starting the local control plane (kube-apiserver + etcd): a fresh cluster, ~10s")
	} else {
		say("starting the local control plane (kube-apiserver + etcd): reusing the cluster kept in %s, ~10s", etcdDir)
	}
	say("  control plane output goes to %s", logPath)
	done := step("  waiting for kube-apiserver, then installing tollgate's CRDs, webhook configurations and RBAC")
	cp, err := devenv.StartControlPlane(ctx, devenv.ControlPlaneOptions{DataDir: etcdDir, Out: logFile})
	if err != nil {
		_ = logFile.Close()
		return nil, "", fmt.Errorf("starting the control plane (see %s): %w", logPath, err)
	}
	done()
	kubeconfig := filepath.Join(stateDir, "kubeconfig")
	if err := cp.WriteKubeconfig(kubeconfig, "demo-admin", "system:masters"); err != nil {
		return cp, "", err
	}
	say("kube-apiserver is at %s (binaries from %s)", cp.Admin.Host, cp.Assets)
	say("  kubeconfig: %s (user demo-admin, a cluster administrator who may act as the demo's people with --as)", kubeconfig)
	say("  the operator runs as its own service account, %s, with config/rbac's role", devenv.OperatorUsername)
	return cp, kubeconfig, nil
}
