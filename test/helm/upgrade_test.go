package helm

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// oldChart is the chart as it was installed before decision records were unsigned (version 2):
// `helm package dist/chart` at commit b1f2ed0.
const oldChart = "testdata/tollgate-0.1.0-signed-records.tgz"

// An installation of the chart of before upgrades to this one with `helm upgrade`, with each
// Helm: the upgrade is accepted, and the release then has the validating guards beside the
// status guard, and the manager the rights its admission watch and the legacy key's retirement
// need (reading only its own Secrets, by name: it creates its task token key when there is
// none, see docs/security.md), with the admission policy by which that key is the only Secret
// its service account creates in force. Policies are not enforced by the upgrade
// (--policy-enforcement=labelled) until an administrator turns them on; later upgrades keep
// what runs. The releases leave the CRDs to the control
// plane, which has them already (the drift test holds the chart's CRDs to config/crd).
func TestUpgradeFromTheChartOfBefore(t *testing.T) {
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := cp.WriteKubeconfig(kubeconfig, "helm-upgrade", "system:masters"); err != nil {
		t.Fatal(err)
	}
	for _, h := range helms(t) {
		name, ns := "upgrade-"+h.name, "tollgate-upgrade-"+h.name
		common := []string{"--namespace", ns, "--kubeconfig", kubeconfig, "--set", "crds.enabled=false"}
		if _, err := h.run(append([]string{"install", name, oldChart, "--create-namespace"}, common...)...); err != nil {
			t.Fatalf("installing the chart of before: %v", err)
		}
		t.Cleanup(func() { _, _ = h.run("uninstall", name, "--namespace", ns, "--kubeconfig", kubeconfig) })
		if _, err := h.run(append([]string{"upgrade", name, filepath.Join(root, "dist", "chart")}, common...)...); err != nil {
			t.Fatalf("%s upgrade: %v", h.name, err)
		}
		fullname := name + "-tollgate-"
		if name == "tollgate" {
			fullname = "tollgate-"
		}
		validating := &admissionregistrationv1.ValidatingWebhookConfiguration{}
		if err := cp.Client.Get(context.Background(), client.ObjectKey{Name: fullname + "validating-webhook-configuration"}, validating); err != nil {
			t.Fatal(err)
		}
		hooks := make([]string, 0, len(validating.Webhooks))
		for _, w := range validating.Webhooks {
			hooks = append(hooks, w.Name)
		}
		for _, want := range []string{"vapprovalrequest-v1alpha1.tollgate.dev", "vapproverdecision-v1alpha1.tollgate.dev", "vstatus-v1alpha1.tollgate.dev"} {
			if !slices.Contains(hooks, want) {
				t.Errorf("%s: after the upgrade the validating webhooks are %v, without %s", h.name, hooks, want)
			}
		}
		checkOperatorSecretsPolicy(t, h.name, ns, fullname)
		if got := enforcement(t, ns, fullname); got != "labelled" {
			t.Errorf("%s: after the upgrade from a chart without policies the manager runs --policy-enforcement=%s; want labelled (today's behaviour kept)", h.name, got)
		}
		turnOn := []string{"upgrade", name, filepath.Join(root, "dist", "chart"), "--set", "policies.enforcement=everywhere"}
		if _, err := h.run(append(turnOn, common...)...); err != nil {
			t.Fatalf("%s upgrade turning enforcement on: %v", h.name, err)
		}
		if _, err := h.run(append([]string{"upgrade", name, filepath.Join(root, "dist", "chart")}, common...)...); err != nil {
			t.Fatalf("%s upgrade with the default values: %v", h.name, err)
		}
		if got := enforcement(t, ns, fullname); got != "everywhere" {
			t.Errorf("%s: an upgrade with the default values turned enforcement off (--policy-enforcement=%s): it keeps what runs", h.name, got)
		}
		role := &rbacv1.Role{}
		if err := cp.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: fullname + "manager-role"}, role); err != nil {
			t.Fatal(err)
		}
		for _, r := range role.Rules {
			reads := slices.Contains(r.Verbs, "get") || slices.Contains(r.Verbs, "list") || slices.Contains(r.Verbs, "watch")
			if slices.Contains(r.Resources, "secrets") && reads && len(r.ResourceNames) == 0 {
				t.Errorf("%s: the manager may read any Secret of its namespace after the upgrade: %+v", h.name, r)
			}
		}
	}
}

// enforcement is the --policy-enforcement the release's manager Deployment runs with.
func enforcement(t *testing.T, ns, fullname string) string {
	t.Helper()
	d := &appsv1.Deployment{}
	if err := cp.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: fullname + "controller-manager"}, d); err != nil {
		t.Fatal(err)
	}
	for _, a := range d.Spec.Template.Spec.Containers[0].Args {
		if v, ok := strings.CutPrefix(a, "--policy-enforcement="); ok {
			return v
		}
	}
	return "(none)"
}
