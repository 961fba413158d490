package devenv

import (
	"os"
	"regexp"
	"testing"
)

// The Makefile builds the control plane that Assets finds: both must name the same versions.
func TestVersionsMatchTheMakefile(t *testing.T) {
	path, err := ProjectFile("Makefile")
	if err != nil {
		t.Fatal(err)
	}
	makefile, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"ENVTEST_K8S_VERSION": KubernetesVersion, "ETCD_VERSION": EtcdVersion} {
		m := regexp.MustCompile(`(?m)^` + name + `\s*\?=\s*(\S+)$`).FindSubmatch(makefile)
		if m == nil || string(m[1]) != want {
			t.Errorf("Makefile %s = %q, internal/devenv says %q", name, m, want)
		}
	}
}

func TestUserAssetsDirFollowsXDGDataHome(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", "/data")
	dir, err := UserAssetsDir()
	if err != nil {
		t.Fatal(err)
	}
	if want := "/data/kubebuilder-envtest/k8s/" + KubernetesVersion + "-"; len(dir) < len(want) || dir[:len(want)] != want {
		t.Fatalf("UserAssetsDir = %s, want %s<os>-<arch>", dir, want)
	}
}
