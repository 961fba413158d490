package manifests

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Kustomize renders a directory of the project (such as config/default) with the project's
// kustomize: $KUSTOMIZE, else bin/kustomize (`make kustomize` builds it).
func Kustomize(root, dir string) ([]byte, error) {
	kustomize := os.Getenv("KUSTOMIZE")
	if kustomize == "" {
		kustomize = filepath.Join(root, "bin", "kustomize")
	}
	if _, err := os.Stat(kustomize); err != nil {
		return nil, fmt.Errorf("no kustomize at %s: run `make kustomize` (make test builds it)", kustomize)
	}
	out, err := exec.Command(kustomize, "build", filepath.Join(root, filepath.FromSlash(dir))).Output()
	if err != nil {
		if exit, ok := errors.AsType[*exec.ExitError](err); ok {
			return nil, fmt.Errorf("kustomize build %s: %w: %s", dir, err, exit.Stderr)
		}
		return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
	}
	return out, nil
}
