package gitops

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
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
	env := kubectlEnv(t, user)
	return func(name string, args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
}

// kubectlEnv is the environment of a command run as user (bound to tollgate-viewer in the
// namespace), with the control plane's kubectl first on PATH.
func kubectlEnv(t *testing.T, user string) []string {
	t.Helper()
	ctx := context.Background()
	cp := testCluster.env.ControlPlane
	if err := cp.Grant(ctx, devenv.RoleViewer, namespace, devenv.Users(user)...); err != nil {
		t.Fatal(err)
	}
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := cp.WriteKubeconfig(kubeconfig, user); err != nil {
		t.Fatal(err)
	}
	return append(os.Environ(), "KUBECONFIG="+kubeconfig, "PATH="+cp.Assets+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// The script follows the request it started on: the requester deletes it and applies it again
// under the same name (with approvers of their choosing), the new one is approved, and the
// script, at its next look, says the request was replaced and fails — it never passes a gate on
// the new request's approval.
func TestCIScriptFollowsTheRequestItStartedOn(t *testing.T) {
	ctx := t.Context()
	const name = "deploy-payments-v90"
	first := applyPending(t, name)

	// A look every 10 s: the replacement below happens between two looks.
	script := exec.CommandContext(ctx, "bash", projectPath(t, "gitops/ci/wait-for-approval.sh"), namespace, name, "10")
	script.Env = kubectlEnv(t, ciUser)
	var stderr strings.Builder
	script.Stderr = &stderr
	stdout, err := script.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := script.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		lines <- line
	}()
	select {
	case started := <-lines:
		if want := "(uid " + string(first.UID) + ")"; !strings.Contains(started, want) {
			t.Fatalf("the script's first line = %q; want it to name %s", started, want)
		}
	case <-time.After(settle):
		_ = script.Process.Kill()
		t.Fatalf("the script said nothing within %s: it must say which request (uid) it waits for", settle)
	}

	if err := testCluster.gitops.Delete(ctx, first); err != nil {
		t.Fatal(err)
	}
	if err := testCluster.waitGone(ctx, name); err != nil {
		t.Fatal(err)
	}
	second := applyPending(t, name)
	if err := approved.run(ctx, testCluster, name); err != nil {
		t.Fatal(err)
	}
	err = script.Wait()
	var exit *exec.ExitError
	want := fmt.Sprintf("was replaced: the request this wait started on (uid %s) was deleted and another of the same name (uid %s) created", first.UID, second.UID)
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(stderr.String(), want) {
		t.Fatalf("wait-for-approval.sh after the request was replaced and the new one approved: %v\n%s", err, stderr.String())
	}
}

// applyPending applies the example's request under name and waits until its tokens are held.
func applyPending(t *testing.T, name string) *v1.ApprovalRequest {
	t.Helper()
	obj, err := requestFor(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := testCluster.apply(t.Context(), obj); err != nil {
		t.Fatal(err)
	}
	if err := testCluster.waitTokens(t.Context(), name); err != nil {
		t.Fatal(err)
	}
	_, typed, err := testCluster.read(t.Context(), name)
	if err != nil {
		t.Fatal(err)
	}
	return typed
}
