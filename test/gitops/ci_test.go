package gitops

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/devenv"
)

// ciUser is a pipeline's identity: it may read requests (tollgate-viewer), nothing more.
const ciUser = "ci-bot@example.com"

// What docs/gitops.md tells a CI pipeline to run, run with the kubectl built with the control
// plane, as a pipeline with read access: kubectl wait meets Approved on the approved request and
// times out on the rejected one; gitops/ci/wait-for-approval.sh passes the approved one and
// fails at once, with the message, on every other end.
func TestCIWaitsForTheVerdict(t *testing.T) {
	run := kubectlAs(t, ciUser)
	out, err := run("kubectl", "-n", namespace, "wait", "--for=condition=Approved", "approvalrequests.approvals.tollgate.dev/deploy-payments-v42", "--timeout=20s")
	if err != nil || !strings.Contains(out, "condition met") {
		t.Errorf("kubectl wait on the approved request: %v\n%s", err, out)
	}
	out, err = run("kubectl", "-n", namespace, "wait", "--for=condition=Approved", "approvalrequests.approvals.tollgate.dev/deploy-payments-v43", "--timeout=1s")
	if err == nil {
		t.Errorf("kubectl wait met Approved on the rejected request:\n%s", out)
	}

	script := projectPath(t, "gitops/ci/wait-for-approval.sh")
	if out, err := run("bash", script, namespace, "deploy-payments-v42", "1"); err != nil || !strings.Contains(out, "is approved") {
		t.Errorf("wait-for-approval.sh on the approved request: %v\n%s", err, out)
	}
	for _, o := range outcomes {
		if o.argo != "Degraded" {
			continue
		}
		out, err := run("bash", script, namespace, o.request, "1")
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(out, "is not approved: ") {
			t.Errorf("wait-for-approval.sh on %s (%s): %v\n%s", o.request, o.file, err, out)
		}
	}
}

// kubectlAs gives a runner of commands with the control plane's kubectl first on PATH and a
// kubeconfig of a new user bound to tollgate-viewer in the namespace.
func kubectlAs(t *testing.T, user string) func(name string, args ...string) (string, error) {
	t.Helper()
	ctx := context.Background()
	cp := testCluster.env.ControlPlane
	if err := cp.Bind(ctx, devenv.RoleViewer, namespace, devenv.Users(user)...); err != nil {
		t.Fatal(err)
	}
	if err := cp.WaitAllowed(ctx, user, nil, namespace, "watch"); err != nil {
		t.Fatal(err)
	}
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := cp.WriteKubeconfig(kubeconfig, user); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "KUBECONFIG="+kubeconfig, "PATH="+cp.Assets+string(os.PathListSeparator)+os.Getenv("PATH"))
	return func(name string, args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
}
