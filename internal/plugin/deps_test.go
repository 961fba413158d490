package plugin

import (
	"os/exec"
	"strings"
	"testing"
)

// TestThePluginIsOnlyAClient: the plugin binary depends on no operator code (controller,
// webhooks, operator wiring, dev environment), directly or not: of the project's internal
// packages it uses only its own and internal/approval's pure helpers.
func TestThePluginIsOnlyAClient(t *testing.T) {
	const module = "github.com/tollgate-dev/tollgate"
	out, err := exec.CommandContext(t.Context(), "go", "list", "-deps", module+"/cmd/kubectl-tollgate").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	allowed := map[string]bool{module + "/internal/plugin": true, module + "/internal/approval": true}
	for pkg := range strings.FieldsSeq(string(out)) {
		if strings.HasPrefix(pkg, module+"/internal/") && !allowed[pkg] {
			t.Errorf("kubectl-tollgate depends on %s", pkg)
		}
	}
}
