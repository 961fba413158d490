package devenv

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
)

// Versions of the control plane the project pins (the Makefile's ENVTEST_K8S_VERSION and
// ETCD_VERSION; a test keeps them equal).
const (
	KubernetesVersion = "1.37.2"
	EtcdVersion       = "3.6.5"
)

// modulePath is the project's module: Root looks for the go.mod that declares it.
const modulePath = "github.com/tollgate-dev/tollgate"

// Root is the project's root: the nearest directory at or above the working directory whose
// go.mod declares the project's module (tests run in their package's directory, the demo at the
// root; test modules of their own, like test/gitops, are passed over).
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if isProjectRoot(dir) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod of " + modulePath + " at or above the working directory: run from inside the tollgate project")
		}
		dir = parent
	}
}

// moduleLine is a go.mod's module directive.
var moduleLine = regexp.MustCompile(`(?m)^module\s+"?([^"\s]+)"?\s*$`)

// isProjectRoot reports whether dir holds the go.mod of the project's module.
func isProjectRoot(dir string) bool {
	data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	m := moduleLine.FindSubmatch(data)
	return m != nil && string(m[1]) == modulePath
}

// ProjectFile is the absolute path of a file given relative to the project's root.
func ProjectFile(rel string) (string, error) {
	root, err := Root()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, filepath.FromSlash(rel)), nil
}

// UserAssetsDir is where the control plane binaries of the pinned version are kept for the
// current user, shared by every clone of the project: the directory setup-envtest uses
// ($XDG_DATA_HOME/kubebuilder-envtest/k8s/<version>-<os>-<arch>, by default under
// ~/.local/share).
func UserAssetsDir() (string, error) {
	data := os.Getenv("XDG_DATA_HOME")
	if data == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("finding the per-user data directory: %w", err)
		}
		data = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(data, "kubebuilder-envtest", "k8s", KubernetesVersion+"-"+runtime.GOOS+"-"+runtime.GOARCH), nil
}

// Assets is the directory of kube-apiserver, etcd and kubectl: $KUBEBUILDER_ASSETS (set by
// `make test` and `make demo`), else the per-user directory. It fails with the command that
// builds them when they are missing.
func Assets() (string, error) {
	dir := os.Getenv("KUBEBUILDER_ASSETS")
	if dir == "" {
		var err error
		if dir, err = UserAssetsDir(); err != nil {
			return "", err
		}
	}
	for _, bin := range []string{"kube-apiserver", "etcd", "kubectl"} {
		if _, err := os.Stat(filepath.Join(dir, bin)); err != nil {
			return "", fmt.Errorf("no %s in %s: run `make envtest-assets` (builds the control plane once per user, about 5 minutes on 2 cores)", bin, dir)
		}
	}
	return dir, nil
}
