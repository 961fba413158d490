package gitops

import (
	"os"
	"path"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/devenv"
)

// checkDir is the Argo CD health check, laid out as Argo CD keeps its built-in checks.
const checkDir = "gitops/argocd/resource_customizations/approvals.tollgate.dev/ApprovalRequest"

// The check says of every request the operator produced what its outcome means for a sync
// wave: approved is Healthy, waiting is Progressing, every other end Degraded, with the
// message of the condition that says so.
func TestArgoCDHealthOfProducedRequests(t *testing.T) {
	script := readProjectFile(t, path.Join(checkDir, "health.lua"))
	for _, o := range outcomes {
		t.Run(o.file, func(t *testing.T) {
			obj := produced[o.file]
			got, err := runHealthLua(script, obj.Object)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != o.argo {
				t.Errorf("health %s (%q), want %s", got.Status, got.Message, o.argo)
			}
			if want := conditionMessage(t, obj.Object, got.Status); want != "" && got.Message != want {
				t.Errorf("message %q, want the condition's %q", got.Message, want)
			}
		})
	}
}

// conditionMessage is the message of the condition a health status comes from: Ready for
// Healthy and Progressing, Stalled for Degraded ("" for a request without conditions).
func conditionMessage(t *testing.T, obj map[string]any, healthStatus string) string {
	t.Helper()
	r := &v1.ApprovalRequest{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj, r); err != nil {
		t.Fatal(err)
	}
	kind := v1.ConditionReady
	if healthStatus == "Degraded" {
		kind = v1.ConditionStalled
	}
	var c *metav1.Condition
	if c = meta.FindStatusCondition(r.Status.Conditions, kind); c == nil {
		return ""
	}
	return c.Message
}

// testdata/<outcome>.yaml are the produced objects, normalised: `go test -update` writes them,
// a plain run checks they still are what the operator produces.
func TestArgoCDTestdataAreWhatTheOperatorProduces(t *testing.T) {
	for _, o := range outcomes {
		t.Run(o.file, func(t *testing.T) {
			data, err := yaml.Marshal(normalise(produced[o.file]))
			if err != nil {
				t.Fatal(err)
			}
			file := projectPath(t, path.Join(checkDir, "testdata", o.file+".yaml"))
			if *update {
				if err := os.WriteFile(file, data, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			stored, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (go test -update writes it)", err)
			}
			if diff := cmp.Diff(decodeYAML(t, stored), decodeYAML(t, data)); diff != "" {
				t.Errorf("%s is not what the operator produces now (-file +produced); go test -update rewrites it:\n%s", file, diff)
			}
		})
	}
}

// healthTests is Argo CD's health_test.yaml.
type healthTests struct {
	Tests []struct {
		HealthStatus health `json:"healthStatus"`
		InputPath    string `json:"inputPath"`
	} `json:"tests"`
}

// Every case of health_test.yaml holds, as Argo CD's own test runs it; there is one per
// outcome and per testdata file.
func TestArgoCDHealthTestYAML(t *testing.T) {
	script := readProjectFile(t, path.Join(checkDir, "health.lua"))
	var cases healthTests
	if err := yaml.UnmarshalStrict([]byte(readProjectFile(t, path.Join(checkDir, "health_test.yaml"))), &cases); err != nil {
		t.Fatal(err)
	}
	inputs := make([]string, 0, len(cases.Tests))
	for _, c := range cases.Tests {
		inputs = append(inputs, c.InputPath)
		t.Run(c.InputPath, func(t *testing.T) {
			obj := decodeYAML(t, []byte(readProjectFile(t, path.Join(checkDir, c.InputPath))))
			got, err := runHealthLua(script, obj)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.HealthStatus {
				t.Errorf("health %+v, health_test.yaml says %+v", got, c.HealthStatus)
			}
		})
	}
	files, err := filepath.Glob(projectPath(t, path.Join(checkDir, "testdata", "*.yaml")))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if in := "testdata/" + filepath.Base(f); !slices.Contains(inputs, in) {
			t.Errorf("health_test.yaml has no case for %s", in)
		}
	}
	for _, o := range outcomes {
		if in := "testdata/" + o.file + ".yaml"; !slices.Contains(inputs, in) {
			t.Errorf("health_test.yaml has no case for the outcome %s", in)
		}
	}
}

// The argocd-cm snippet installs exactly the script of the check.
func TestArgoCDConfigMapCarriesTheCheck(t *testing.T) {
	var cm struct {
		Data map[string]string `json:"data"`
	}
	if err := yaml.Unmarshal([]byte(readProjectFile(t, "gitops/argocd/argocd-cm.yaml")), &cm); err != nil {
		t.Fatal(err)
	}
	const key = "resource.customizations.health.approvals.tollgate.dev_ApprovalRequest"
	got, ok := cm.Data[key]
	if !ok {
		t.Fatalf("gitops/argocd/argocd-cm.yaml has no %s", key)
	}
	if want := readProjectFile(t, path.Join(checkDir, "health.lua")); got != want {
		t.Errorf("argocd-cm.yaml's %s differs from health.lua:\n%s", key, cmp.Diff(want, got))
	}
}

// projectPath is a path in the project, given from its root.
func projectPath(t *testing.T, rel string) string {
	t.Helper()
	p, err := devenv.ProjectFile(rel)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// readProjectFile reads a file of the project.
func readProjectFile(t *testing.T, rel string) string {
	t.Helper()
	data, err := os.ReadFile(projectPath(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// decodeYAML decodes one YAML object.
func decodeYAML(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var out map[string]any
	if err := yaml.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
