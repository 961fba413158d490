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

// Root passes over the go.mod of a module nested in the project, as test/helm's.
func TestRootSkipsNestedModules(t *testing.T) {
	project := t.TempDir()
	nested := filepath.Join(project, "test", "helm")
	if err := os.MkdirAll(nested, 0o755); err != nil {
		t.Fatal(err)
	}
	for dir, module := range map[string]string{project: `"` + ModulePath + `"`, nested: ModulePath + "/test/helm"} {
		if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("// c\nmodule "+module+"\n\ngo 1.26\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(nested)
	if got, err := Root(); err != nil || got != project {
		t.Errorf("Root from %s = %q, %v; want %s", nested, got, err, project)
	}
}
