package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tollgate-dev/tollgate/internal/devenv"
)

// endLeftovers ends what a demo killed before it could clean up (kill -9, an OOM kill) left
// running on this state directory, and says so: its kube-apiserver and etcd would hold the
// cluster's data and keep this demo's from starting. Only processes that are still exactly the
// ones it recorded are ended; on Linux they have usually died with it already.
func endLeftovers(runDir string) error {
	left, err := devenv.EndLeftovers(runDir)
	if errors.Is(err, devenv.ErrInUse) {
		return fmt.Errorf("another demo runs on this state directory (%w): stop it, or give this one its own --state-dir", err)
	}
	if err != nil {
		return fmt.Errorf("ending what the last demo left running: %w", err)
	}
	if left == nil {
		return nil
	}
	say("the last demo, %s, was killed before it could clean up; of what it had started:", left.Owner)
	for _, l := range left.Processes {
		say("  %s", l)
	}
	return nil
}

// startControlPlane starts the local kube-apiserver and etcd (internal/devenv, as the tests do)
// with etcd's data kept in the state directory, so a restarted demo still has its requests, and
// writes an administrator's kubeconfig for the person at the other terminal.
func startControlPlane(ctx context.Context, stateDir, runDir string) (*devenv.ControlPlane, string, error) {
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
	cp, err := devenv.StartControlPlane(ctx, devenv.ControlPlaneOptions{DataDir: etcdDir, Out: logFile, RunDir: runDir})
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
