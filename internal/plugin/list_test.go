package plugin_test

import (
	"encoding/json"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/devenv"
	"github.com/tollgate-dev/tollgate/internal/plugin"
)

func TestListShowsOnlyWhatICanDecide(t *testing.T) {
	ns := newNamespace(t)
	a := createRequest(t, ns, "deploy-a", byUser("alice", alice), byUser("bob", bob))
	createRequest(t, ns, "deploy-b", byUser("bob", bob))
	createRequest(t, ns, "deploy-c", bySecurityGroup("security"))

	r := run(t, cmd(ns, as(alice), "list")...)
	expect(t, r, plugin.ExitApproved, "YOUR SLOTS", "MISSING", "bob (bob@example.com)")
	if rows := names(r.stdout); strings.Join(rows, ",") != "deploy-a" {
		t.Errorf("alice's list = %v, want [deploy-a]", rows)
	}

	r = run(t, cmd(ns, as(carol, securityGroup), "list")...)
	if rows := names(r.stdout); strings.Join(rows, ",") != "deploy-c" {
		t.Errorf("carol's list (through her group) = %v, want [deploy-c]", rows)
	}

	r = run(t, cmd(ns, as(mallory), "list")...)
	expect(t, r, plugin.ExitApproved, "No ApprovalRequests you (mallory@example.com in groups system:authenticated) can decide in namespace "+ns)
	if r.stdout != "" {
		t.Errorf("mallory, approver of nothing, sees %q", r.stdout)
	}

	r = run(t, cmd(ns, as(mallory), "list", "--all-requests")...)
	if rows := names(r.stdout); strings.Join(rows, ",") != "deploy-a,deploy-b,deploy-c" {
		t.Errorf("--all-requests = %v, want every request", rows)
	}

	// -A needs a cluster-wide grant to list.
	must(t, environment(t).ControlPlane.Grant(t.Context(), devenv.RoleViewer, "", devenv.Users(alice)...))
	r = run(t, append(as(alice), "list", "-A")...)
	expect(t, r, plugin.ExitApproved, "NAMESPACE", ns)

	// Once alice decided, the request leaves her list (before and after the operator records it).
	expect(t, run(t, cmd(ns, as(alice), "approve", "deploy-a")...), plugin.ExitApproved)
	r = run(t, cmd(ns, as(alice), "list")...)
	if rows := names(r.stdout); len(rows) != 0 {
		t.Errorf("after deciding, alice's list = %v, want none", rows)
	}
	eventually(t, a, "alice's decision recorded", func(r *v1.ApprovalRequest) bool { return r.Status.ApprovedCount == 1 })
	if rows := names(run(t, cmd(ns, as(alice), "list")...).stdout); len(rows) != 0 {
		t.Errorf("after her decision was recorded, alice's list = %v, want none", rows)
	}
	r = run(t, cmd(ns, as(bob), "list")...)
	if rows := names(r.stdout); strings.Join(rows, ",") != "deploy-a,deploy-b" {
		t.Errorf("bob's list = %v, want [deploy-a deploy-b]", rows)
	}
}

func TestListOutputParsesBack(t *testing.T) {
	ns := newNamespace(t)
	createRequest(t, ns, "deploy-a", byUser("alice", alice))
	createRequest(t, ns, "deploy-b", byUser("bob", bob))
	for _, format := range []string{"json", "yaml"} {
		r := run(t, cmd(ns, as(alice), "list", "-o", format)...)
		expect(t, r, plugin.ExitApproved)
		var list v1.ApprovalRequestList
		var err error
		if format == "json" {
			err = json.Unmarshal([]byte(r.stdout), &list)
		} else {
			err = yaml.UnmarshalStrict([]byte(r.stdout), &list)
		}
		if err != nil {
			t.Fatalf("-o %s does not parse back: %v", format, err)
		}
		if list.Kind != "ApprovalRequestList" || list.APIVersion != v1.GroupVersion.String() || len(list.Items) != 1 || list.Items[0].Name != "deploy-a" {
			t.Errorf("-o %s = %s %s with %d items, want one ApprovalRequestList item deploy-a", format, list.APIVersion, list.Kind, len(list.Items))
		}
	}
	expect(t, run(t, cmd(ns, as(alice), "list", "-o", "wide")...), plugin.ExitError, `unknown output format "wide"`)
}

// names are the first column of a table's rows (the header left out).
func names(table string) []string {
	var out []string
	for i, line := range strings.Split(strings.TrimSpace(table), "\n") {
		if fields := strings.Fields(line); i > 0 && len(fields) > 0 {
			out = append(out, fields[0])
		}
	}
	return out
}

// The kubeconfig flags are kubectl's: --context picks a context of the kubeconfig (here one
// that is not there), -n the namespace, --as and --as-group the person.
func TestKubeconfigFlagsAreHonoured(t *testing.T) {
	ns, other := newNamespace(t), newNamespace(t)
	createRequest(t, ns, "deploy", byUser("alice", alice))
	expect(t, run(t, cmd(ns, as(alice), "list", "--context", "elsewhere")...), plugin.ExitError, `context "elsewhere" does not exist`)
	r := run(t, cmd(other, as(alice), "list")...)
	expect(t, r, plugin.ExitApproved, "can decide in namespace "+other)
	if rows := names(r.stdout); len(rows) != 0 {
		t.Errorf("-n %s lists %v from namespace %s", other, rows, ns)
	}
	if rows := names(run(t, cmd(ns, as(alice), "list")...).stdout); strings.Join(rows, ",") != "deploy" {
		t.Errorf("-n %s lists %v, want [deploy]", ns, rows)
	}
}
