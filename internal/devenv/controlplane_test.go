package devenv

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// A control plane on a real kube-apiserver and etcd: what it records of its processes, and the
// team fixture every suite makes its people with.
func TestControlPlane(t *testing.T) {
	cp, err := StartControlPlane(t.Context(), ControlPlaneOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = cp.Stop()
		}
	})

	t.Run("its run directory records its etcd and kube-apiserver, children of this process", func(t *testing.T) {
		if filepath.Dir(cp.run.path) != testRunsDir() {
			t.Errorf("run directory %s, want one in %s", cp.run.path, testRunsDir())
		}
		names := map[string]bool{}
		for _, p := range cp.run.rec.Processes {
			names[p.Name] = true
			if alive, err := p.running(); !alive || err != nil {
				t.Errorf("recorded %s does not run as recorded: %v", p, err)
			}
			if !isChild(t, p.PID) {
				t.Errorf("recorded %s is no child of this process", p)
			}
		}
		if len(names) != 2 || !names["etcd"] || !names["kube-apiserver"] {
			t.Errorf("recorded %+v, want etcd and kube-apiserver", cp.run.rec.Processes)
		}
	})

	t.Run("a team's people are allowed what their role grants, and nothing else", func(t *testing.T) {
		ctx := t.Context()
		team, err := cp.NewTeam(ctx, TeamOptions{
			GenerateName: "team-",
			Requesters:   Users("ravi@example.com"),
			Approvers:    append(Users("alice@example.com"), Groups("security-oncall")...),
			Viewers:      Users("vera@example.com"),
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			user   string
			groups []string
			verb   string
			want   bool
		}{
			{"ravi@example.com", nil, "create", true},
			{"ravi@example.com", nil, v1.ApproveVerb, false},
			{"alice@example.com", nil, v1.ApproveVerb, true},
			{"alice@example.com", nil, "create", false},
			{"carol@example.com", []string{"security-oncall"}, v1.ApproveVerb, true},
			{"carol@example.com", nil, v1.ApproveVerb, false},
			{"vera@example.com", nil, "watch", true},
			{"vera@example.com", nil, "create", false},
			{"mallory@example.com", nil, "get", false},
		} {
			if got := allowed(ctx, t, cp, c.user, c.groups, team.Namespace, c.verb); got != c.want {
				t.Errorf("%s %v may %s approvalrequests in %s: %t, want %t", c.user, c.groups, c.verb, team.Namespace, got, c.want)
			}
		}
		if other, err := cp.NewTeam(ctx, TeamOptions{GenerateName: "team-"}); err != nil || other.Namespace == team.Namespace {
			t.Errorf("a second team = %+v, %v: want a namespace of its own", other, err)
		}
		if _, err := cp.NewTeam(ctx, TeamOptions{Namespace: team.Namespace, Viewers: Users("victor@example.com")}); err != nil {
			t.Errorf("a team in a namespace that exists: %v", err)
		}
	})

	t.Run("only config/rbac's roles for people are granted, and only to people", func(t *testing.T) {
		if err := cp.Grant(t.Context(), "cluster-admin", "default", Users("mallory@example.com")...); err == nil {
			t.Error("granting cluster-admin passed")
		}
		sa := rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: "robot", Namespace: "default"}
		if err := cp.Grant(t.Context(), RoleApprover, "default", sa); err == nil {
			t.Error("granting a role for people to a service account passed")
		}
	})

	t.Run("a person's client is made once and kept", func(t *testing.T) {
		a, err := cp.ClientAs("alice@example.com", "security-oncall")
		if err != nil {
			t.Fatal(err)
		}
		again, _ := cp.ClientAs("alice@example.com", "security-oncall")
		other, _ := cp.ClientAs("alice@example.com")
		if a != again || a == other {
			t.Error("ClientAs does not keep one client per person and groups")
		}
	})

	dir := cp.run.path
	stopped = true
	if err := cp.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("Stop left the run directory %s: %v", dir, err)
	}
}

// allowed asks the API server's authorizer whether user (in groups) may do verb on
// approvalrequests in namespace.
func allowed(ctx context.Context, t *testing.T, cp *ControlPlane, user string, groups []string, namespace, verb string) bool {
	t.Helper()
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User: user, Groups: groups,
		ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: namespace, Verb: verb, Group: v1.GroupVersion.Group, Resource: "approvalrequests"},
	}}
	if err := cp.Client.Create(ctx, sar); err != nil {
		t.Fatal(err)
	}
	return sar.Status.Allowed
}

// isChild reports whether process pid is a child of this process (a thread's children are in
// /proc/self/task/<tid>/children).
func isChild(t *testing.T, pid int) bool {
	t.Helper()
	lists, err := filepath.Glob("/proc/self/task/*/children")
	if err != nil || len(lists) == 0 {
		t.Fatalf("no /proc/self/task/*/children to find children in (%v)", err)
	}
	for _, f := range lists {
		data, _ := os.ReadFile(f) // a thread that ended since has none
		if slices.Contains(strings.Fields(string(data)), strconv.Itoa(pid)) {
			return true
		}
	}
	return false
}
