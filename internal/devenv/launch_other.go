//go:build !linux

package devenv

import (
	"path/filepath"
	"syscall"
)

// launchers returns the real binaries' paths: only Linux can end a child when its parent dies
// (launch_linux.go). Here a killed run's processes outlive it and must be ended by hand.
func launchers(_, assets string) (etcd, apiServer string, err error) {
	return filepath.Join(assets, "etcd"), filepath.Join(assets, "kube-apiserver"), nil
}

// childAttr adds nothing: there is no parent-death signal here.
func childAttr() *syscall.SysProcAttr { return nil }
