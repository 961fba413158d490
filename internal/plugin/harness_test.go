package plugin_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/devenv"
	"github.com/tollgate-dev/tollgate/internal/plugin"
)

// The commands run against a real kube-apiserver with tollgate's CRDs, webhooks and RBAC, and
// the real operator on the local Step Functions endpoint: internal/devenv, as `make demo`.
// Each command is the plugin's own, run from its command line with --kubeconfig (a cluster
// administrator) and --as/--as-group, as a person would run it. The environment starts with
// the first test that needs it, so unit tests and fuzzing run without it.
var (
	envOnce    sync.Once
	envErr     error
	env        *devenv.Env
	operator   *devenv.Operator
	stateDir   string
	kubeconfig string
)

// The people. ravi asks; alice and bob are approvers by name, carol through her group; mallory
// holds the approver role in the namespace but is named by no request.
const (
	ravi          = "ravi@example.com"
	alice         = "alice@example.com"
	bob           = "bob@example.com"
	carol         = "carol@example.com"
	mallory       = "mallory@example.com"
	securityGroup = "security-oncall"
)

func TestMain(m *testing.M) {
	logf.SetLogger(logr.Discard())
	code := m.Run()
	if err := stopEnvironment(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = max(code, 1)
	}
	os.Exit(code)
}

// environment starts the dev environment and the operator the first time a test needs them.
func environment(t *testing.T) *devenv.Env {
	t.Helper()
	envOnce.Do(func() { envErr = startEnvironment() })
	if envErr != nil {
		t.Fatalf("starting the dev environment: %v", envErr)
	}
	return env
}

func startEnvironment() error {
	ctx := context.Background()
	var err error
	if env, err = devenv.Start(ctx, devenv.Options{}); err != nil {
		return err
	}
	if operator, err = env.StartOperator(ctx, devenv.OperatorOptions{}); err != nil {
		return err
	}
	if stateDir, err = os.MkdirTemp("", "kubectl-tollgate-"); err != nil {
		return err
	}
	kubeconfig = filepath.Join(stateDir, "kubeconfig")
	return env.ControlPlane.WriteKubeconfig(kubeconfig, "plugin-admin", "system:masters")
}

func stopEnvironment() error {
	var errs []error
	if operator != nil {
		errs = append(errs, operator.Stop())
	}
	if env != nil {
		errs = append(errs, env.Stop())
	}
	if stateDir != "" {
		errs = append(errs, os.RemoveAll(stateDir))
	}
	return errors.Join(errs...)
}

// result is what a command printed and its exit code.
type result struct {
	stdout, stderr string
	code           int
}

// run runs `kubectl tollgate args...` as the given person on the real clock.
func run(t *testing.T, args ...string) result {
	t.Helper()
	return runWith(t, t.Context(), clock.RealClock{}, args...)
}

func runWith(t *testing.T, ctx context.Context, clk clock.Clock, args ...string) result {
	t.Helper()
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	code := plugin.Run(ctx, plugin.Options{IO: streams, Clock: clk}, append(args, "--kubeconfig", kubeconfig))
	t.Logf("kubectl tollgate %s\n  exit %d\n  stdout: %s\n  stderr: %s", strings.Join(args, " "), code, out, errOut)
	return result{stdout: out.String(), stderr: errOut.String(), code: code}
}

// as are the flags that make a command run as user, in groups.
func as(user string, groups ...string) []string {
	args := make([]string, 0, 2+2*len(groups))
	args = append(args, "--as", user)
	for _, g := range groups {
		args = append(args, "--as-group", g)
	}
	return args
}

// cmd joins a command's words, its namespace and its person's flags.
func cmd(ns string, who []string, words ...string) []string {
	return append(append(words, "-n", ns), who...)
}

// newNamespace makes a fresh namespace with the team's roles bound: ravi requests; alice,
// bob, mallory and the security-oncall group approve (verb approve).
func newNamespace(t *testing.T) string {
	t.Helper()
	team, err := environment(t).ControlPlane.NewTeam(t.Context(), devenv.TeamOptions{
		GenerateName: "plugin-",
		Requesters:   devenv.Users(ravi),
		Approvers:    append(devenv.Users(alice, bob, mallory), devenv.Groups(securityGroup)...),
	})
	must(t, err)
	return team.Namespace
}

func byUser(slotName, user string) v1.Approver {
	return v1.Approver{Name: slotName, Users: []string{user}}
}

// bySecurityGroup is a slot for the members of the security on-call group.
func bySecurityGroup(slotName string) v1.Approver {
	return v1.Approver{Name: slotName, Groups: []string{securityGroup}}
}

// createRequest has ravi create a request with the given slots.
func createRequest(t *testing.T, ns, name string, slots ...v1.Approver) *v1.ApprovalRequest {
	t.Helper()
	return createSpec(t, ns, name, v1.ApprovalRequestSpec{Description: "Deploy " + name + " to production", Approvers: slots})
}

// createSpec has ravi create a request with the given spec.
func createSpec(t *testing.T, ns, name string, spec v1.ApprovalRequestSpec) *v1.ApprovalRequest {
	t.Helper()
	req := &v1.ApprovalRequest{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: spec}
	c, err := env.ControlPlane.ClientAs(ravi)
	must(t, err)
	must(t, c.Create(t.Context(), req))
	return req
}

// decisionsOf lists the ApproverDecisions of a request, as the administrator sees them.
func decisionsOf(t *testing.T, req *v1.ApprovalRequest) []v1.ApproverDecision {
	t.Helper()
	var list v1.ApproverDecisionList
	must(t, env.ControlPlane.Client.List(t.Context(), &list, client.InNamespace(req.Namespace)))
	var out []v1.ApproverDecision
	for _, d := range list.Items {
		if d.Spec.ApprovalRequestName == req.Name {
			out = append(out, d)
		}
	}
	return out
}

// eventually polls the request until ok holds, for at most 30s.
func eventually(t *testing.T, req *v1.ApprovalRequest, what string, ok func(*v1.ApprovalRequest) bool) *v1.ApprovalRequest {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	got := &v1.ApprovalRequest{}
	for {
		must(t, env.ControlPlane.Client.Get(t.Context(), client.ObjectKeyFromObject(req), got))
		if ok(got) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("ApprovalRequest %s/%s: %s did not happen within 30s; status %+v", req.Namespace, req.Name, what, got.Status)
		}
		select {
		case <-t.Context().Done():
			t.Fatal(t.Context().Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// slotStatus is a slot's entry in the request's status (the operator orders the entries by
// the arrival of their tokens, not by the spec).
func slotStatus(r *v1.ApprovalRequest, name string) v1.ApproverStatus {
	for _, s := range r.Status.Approvers {
		if s.Name == name {
			return s
		}
	}
	return v1.ApproverStatus{}
}

// expect checks a command's exit code and that its output says each of says (on either stream).
func expect(t *testing.T, r result, code int, says ...string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit code %d, want %d", r.code, code)
	}
	for _, s := range says {
		if !strings.Contains(r.stdout+r.stderr, s) {
			t.Errorf("the output does not say %q", s)
		}
	}
}

// expectNoDecision checks that nothing was created for req.
func expectNoDecision(t *testing.T, req *v1.ApprovalRequest) {
	t.Helper()
	if ds := decisionsOf(t, req); len(ds) != 0 {
		t.Errorf("%d ApproverDecision(s) were created for %s; want none: %+v", len(ds), req.Name, ds)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
