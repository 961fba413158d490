package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/devenv"
	"github.com/tollgate-dev/tollgate/internal/identity"
)

// The demo's policies (docs/policies.md): its namespace requires them; priya, the team's
// administrator, writes the gates of config/samples and a sandbox whose only slot is mallory's;
// ravi may use the gates and not the sandbox.
const (
	teamAdmin     = "priya@example.com"
	sandboxPolicy = "sandbox"
)

// setUpPolicies does what a cluster administrator and the team's administrator do once: the
// namespace's label, priya's role, her policies, and ravi's right to use the gates.
func setUpPolicies(ctx context.Context, cp *devenv.ControlPlane, team *devenv.Team, samplesDir string) error {
	label := fmt.Sprintf(`{"metadata":{"labels":{%q:"true"}}}`, v1.RequirePolicyLabel)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: demoNamespace}}
	if err := cp.Client.Patch(ctx, ns, client.RawPatch(types.MergePatchType, []byte(label))); err != nil {
		return fmt.Errorf("labelling namespace %s: %w", demoNamespace, err)
	}
	if err := cp.Grant(ctx, devenv.RolePolicyAdmin, demoNamespace, devenv.Users(teamAdmin)...); err != nil {
		return err
	}
	admin, err := as(team, teamAdmin)
	if err != nil {
		return err
	}
	gates, err := samplePolicies(samplesDir)
	if err != nil {
		return err
	}
	sandbox := &v1.GatePolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: demoNamespace, Name: sandboxPolicy},
		Spec:       v1.GatePolicySpec{Approvers: []v1.Approver{{Name: slotAlice, Users: []string{impostor}}}},
	}
	var names []string
	for _, p := range append(gates, client.Object(sandbox)) {
		if err := admin.Create(ctx, p); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("%s writing GatePolicy %s: %w", teamAdmin, p.GetName(), err)
		}
		names = append(names, p.GetName())
	}
	if err := mayUse(ctx, cp, requester, names[:len(gates)]); err != nil {
		return err
	}
	say("policies in namespace %s (labelled %s=true): %s (tollgate-policy-admin) wrote GatePolicies %v; %s may use %v, not %s",
		demoNamespace, v1.RequirePolicyLabel, teamAdmin, names, requester, names[:len(gates)], sandboxPolicy)
	return nil
}

// samplePolicies reads the GatePolicies of config/samples, as written.
func samplePolicies(dir string) ([]client.Object, error) {
	files, err := filepath.Glob(filepath.Join(dir, "approvals_v1alpha1_gatepolicy*.yaml"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no GatePolicy samples in %s (%v)", dir, err)
	}
	out := make([]client.Object, 0, len(files))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		p := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(data, &p.Object); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		p.SetNamespace(demoNamespace)
		out = append(out, p)
	}
	return out, nil
}

// mayUse lets user reference the named policies, and no other: a Role with resourceNames.
func mayUse(ctx context.Context, cp *devenv.ControlPlane, user string, policies []string) error {
	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Namespace: demoNamespace, Name: "use-team-gates"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{v1.GroupVersion.Group}, Resources: []string{identity.ResourcePolicies},
			ResourceNames: policies, Verbs: []string{"get", v1.UseVerb}}},
	}
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: demoNamespace, Name: role.Name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name},
		Subjects:   devenv.Users(user),
	}
	for _, obj := range []client.Object{role, binding} {
		if err := cp.Client.Create(ctx, obj); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("granting %s the use of %v: %w", user, policies, err)
		}
	}
	return cp.WaitAllowedOn(ctx, user, nil, demoNamespace, identity.ResourcePolicies, policies[0], v1.UseVerb)
}

// tryRecreate has ravi try, on his own gate, the attack that made policies necessary: delete it
// (he created it, so he may) and create it again with its first slot given to his accomplice
// mallory — naming the approvers himself, or under the sandbox policy, whose slot is hers. Both
// are refused at admission. With dryRun the gate stays (server-side dry-runs: admission runs,
// nothing is stored). It returns an error when an attempt was not refused.
func tryRecreate(ctx context.Context, r client.Reader, team *devenv.Team, obj *v1.ApprovalRequest, dryRun bool) error {
	c, err := as(team, requester)
	if err != nil {
		return err
	}
	var opts []client.DeleteOption
	var create []client.CreateOption
	note := ""
	if dryRun {
		opts, create, note = append(opts, client.DryRunAll), append(create, client.DryRunAll), " (a server-side dry-run: the gate stays)"
	}
	if err := c.Delete(ctx, obj.DeepCopy(), opts...); err != nil {
		return fmt.Errorf("%s deleting his own gate %s: %w", requester, obj.Name, err)
	}
	say("  %s deletes his own gate %s: he created it, so he may%s", requester, obj.Name, note)
	if !dryRun {
		if err := waitRequestGone(ctx, r, client.ObjectKeyFromObject(obj)); err != nil {
			return err
		}
	}
	slots := slices.Clone(slotsOf(obj))
	slots[0] = v1.Approver{Name: slots[0].Name, Users: []string{impostor}}
	meta := metav1.ObjectMeta{Namespace: obj.Namespace, Name: obj.Name}
	attempts := []struct {
		what string
		obj  *v1.ApprovalRequest
	}{
		{fmt.Sprintf("creates it again naming the approvers himself, slot %s given to %s", slots[0].Name, impostor),
			&v1.ApprovalRequest{ObjectMeta: meta, Spec: v1.ApprovalRequestSpec{Description: obj.Spec.Description, Approvers: slots}}},
		{fmt.Sprintf("creates it again under GatePolicy %s, whose slot is %s's", sandboxPolicy, impostor),
			&v1.ApprovalRequest{ObjectMeta: meta, Spec: v1.ApprovalRequestSpec{Description: obj.Spec.Description, PolicyRef: &v1.PolicyReference{Name: sandboxPolicy}}}},
	}
	for _, a := range attempts {
		say("  %s %s", requester, a.what)
		err := c.Create(ctx, a.obj, create...)
		if err == nil {
			return fmt.Errorf("UNEXPECTED: admitted: %s %s", requester, a.what)
		}
		say("  REFUSED, as it must be: %v", err)
	}
	return nil
}
