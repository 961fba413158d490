package devenv

import (
	"os"
	"path/filepath"
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

// Test modules of their own (test/gitops) start the environment too: Root passes over their
// go.mod to the project's.
func TestRootPassesOverNestedModules(t *testing.T) {
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	nested := filepath.Join(t.TempDir(), "test", "nested")
	if err := os.MkdirAll(nested, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(nested, "go.mod"), []byte("module example.com/nested\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(nested)
	if _, err := Root(); err == nil {
		t.Fatal("Root found a project above a module that is not tollgate's")
	}
	t.Chdir(filepath.Join(root, "test", "gitops"))
	if got, err := Root(); err != nil || got != root {
		t.Fatalf("Root from test/gitops = %q, %v; want %q", got, err, root)
	}
}
