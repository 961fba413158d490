package main

import (
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// controlPlane is a local kube-apiserver and etcd (controller-runtime's envtest), with etcd's
// data kept in the state directory so a restarted demo still has its requests.
type controlPlane struct {
	env        *envtest.Environment
	cfg        *rest.Config
	kubeconfig string
	logFile    *os.File
}

func startControlPlane(assets, crdDir, stateDir string) (*controlPlane, error) {
	for _, bin := range []string{"kube-apiserver", "etcd", "kubectl"} {
		if _, err := os.Stat(filepath.Join(assets, bin)); err != nil {
			return nil, fmt.Errorf("no %s in %s: run `make envtest-assets` (or set KUBEBUILDER_ASSETS): %w", bin, assets, err)
		}
	}
	etcdDir := filepath.Join(stateDir, "etcd")
	fresh := true
	if _, err := os.Stat(filepath.Join(etcdDir, "member")); err == nil {
		fresh = false
	}
	if err := os.MkdirAll(etcdDir, 0o700); err != nil {
		return nil, err
	}
	logPath := filepath.Join(stateDir, "control-plane.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     []string{crdDir},
		ErrorIfCRDPathMissing: true,
	}
	env.ControlPlane.Etcd = &envtest.Etcd{DataDir: etcdDir, Out: logFile, Err: logFile}
	env.ControlPlane.APIServer = &envtest.APIServer{Out: logFile, Err: logFile}
	if fresh {
		say("starting the local control plane (kube-apiserver + etcd from %s): a fresh cluster, ~10s", assets)
	} else {
		say("starting the local control plane (kube-apiserver + etcd from %s): reusing the cluster kept in %s, ~10s", assets, etcdDir)
	}
	say("  control plane output goes to %s", logPath)
	done := step("  waiting for kube-apiserver to answer and the CRDs (%s) to be installed", crdDir)
	cfg, err := env.Start()
	if err != nil {
		_ = env.Stop()
		_ = logFile.Close()
		return nil, fmt.Errorf("starting the control plane (see %s): %w", logPath, err)
	}
	done()
	cp := &controlPlane{env: env, cfg: cfg, logFile: logFile}
	if err := cp.writeKubeconfig(filepath.Join(stateDir, "kubeconfig")); err != nil {
		return cp, err
	}
	say("kube-apiserver is at %s; admin kubeconfig (user demo-admin, group system:masters): %s", cfg.Host, cp.kubeconfig)
	return cp, nil
}

// writeKubeconfig gives a person at another terminal the cluster admin's credentials.
func (cp *controlPlane) writeKubeconfig(path string) error {
	user, err := cp.env.AddUser(envtest.User{Name: "demo-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return fmt.Errorf("creating the demo-admin user: %w", err)
	}
	data, err := user.KubeConfig()
	if err != nil {
		return fmt.Errorf("building the kubeconfig: %w", err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return err
	}
	cp.kubeconfig = path
	return nil
}

// stop kills kube-apiserver and etcd (etcd's data stays in the state directory).
func (cp *controlPlane) stop() error {
	say("stopping the control plane (kube-apiserver, etcd)")
	err := cp.env.Stop()
	_ = cp.logFile.Close()
	return err
}
