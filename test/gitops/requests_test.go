package gitops

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
	"github.com/tollgate-dev/tollgate/internal/devenv"
	tgmanifests "github.com/tollgate-dev/tollgate/internal/manifests"
)

// exampleRequest is the shipped Argo CD example's request (gitops/argocd/example), renamed to
// gate another version, as a team's next commit would rename it.
const exampleRequest = "gitops/argocd/example/payments/approvalrequest.yaml"

// examplePolicy is the examples' GatePolicy, with who may use it: its namespace's
// administrators write it, the requests reference it.
const (
	examplePolicy     = "gitops/policy/payments-deploy.yaml"
	examplePolicyName = "payments-deploy"
)

// exampleVersion is the version the shipped examples deploy and name their request after.
const exampleVersion = "v42"

// requestFor is the example's request for the version its name ends with, as Argo CD applies
// it: in the Application's namespace, with Argo CD's tracking label.
func requestFor(name string) (*unstructured.Unstructured, error) {
	objs, err := manifests(exampleRequest)
	if err != nil {
		return nil, err
	}
	obj := objs[0]
	version := name[strings.LastIndex(name, "-")+1:]
	data, err := yaml.Marshal(obj.Object)
	if err != nil {
		return nil, fmt.Errorf("encoding %s: %w", exampleRequest, err)
	}
	// The version appears in the name, the description and the payload's image.
	renamed := strings.ReplaceAll(string(data), exampleVersion, version)
	out := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(renamed), &out.Object); err != nil {
		return nil, fmt.Errorf("decoding %s for %s: %w", exampleRequest, version, err)
	}
	out.SetName(name)
	out.SetNamespace(namespace)
	out.SetLabels(map[string]string{"app.kubernetes.io/instance": "payments"})
	return out, nil
}

// manifests reads every object of a YAML file of the project.
func manifests(rel string) ([]*unstructured.Unstructured, error) {
	path, err := devenv.ProjectFile(rel)
	if err != nil {
		return nil, err
	}
	return tgmanifests.DecodeFile(path)
}

// underPolicy points a request at another GatePolicy of the namespace: the examples' policy
// with machine as its state machine, written by an administrator (none when machine is empty:
// a policy that does not exist yet). The GitOps controller may use it.
func (c *cluster) underPolicy(ctx context.Context, obj *unstructured.Unstructured, policy, machine string) error {
	if machine != "" {
		objs, err := manifests(examplePolicy)
		if err != nil {
			return err
		}
		p := objs[0]
		p.SetName(policy)
		if err := unstructured.SetNestedField(p.Object, machine, "spec", "stateMachineARN"); err != nil {
			return fmt.Errorf("setting the state machine of GatePolicy %s: %w", policy, err)
		}
		if err := c.admin.Create(ctx, p); err != nil {
			return fmt.Errorf("writing GatePolicy %s: %w", policy, err)
		}
	}
	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "use-" + policy},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{v1.GroupVersion.Group}, Resources: []string{"gatepolicies"},
			ResourceNames: []string{policy}, Verbs: []string{v1.UseVerb}}},
	}
	binding := &rbacv1.RoleBinding{
		ObjectMeta: role.ObjectMeta,
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name},
		Subjects:   devenv.Users(gitopsUser),
	}
	for _, o := range []client.Object{role, binding} {
		if err := c.admin.Create(ctx, o); err != nil {
			return fmt.Errorf("letting %s use GatePolicy %s: %w", gitopsUser, policy, err)
		}
	}
	if err := c.env.ControlPlane.WaitAllowedOn(ctx, gitopsUser, gitopsGroups, namespace, "gatepolicies", policy, v1.UseVerb); err != nil {
		return err
	}
	return unstructured.SetNestedField(obj.Object, policy, "spec", "policyRef", "name")
}

// apply applies a request as the GitOps controller does: server-side apply, as its identity.
func (c *cluster) apply(ctx context.Context, obj *unstructured.Unstructured) error {
	if err := c.gitops.Apply(ctx, client.ApplyConfigurationFromUnstructured(obj), client.FieldOwner("argocd-controller")); err != nil {
		return fmt.Errorf("applying %s as %s: %w", obj.GetName(), gitopsUser, err)
	}
	return nil
}

// read returns a request as the API server serves it (what `kubectl get -o yaml` shows), and
// the same typed.
func (c *cluster) read(ctx context.Context, name string) (*unstructured.Unstructured, *v1.ApprovalRequest, error) {
	key := client.ObjectKey{Namespace: namespace, Name: name}
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(v1.GroupVersion.WithKind("ApprovalRequest"))
	if err := c.admin.Get(ctx, key, u); err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", name, err)
	}
	typed := &v1.ApprovalRequest{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, typed); err != nil {
		return nil, nil, fmt.Errorf("converting %s: %w", name, err)
	}
	return u, typed, nil
}

// decide sets a slot's decision annotation as the slot's person (kubectl annotate), once the
// request runs under its policy: it takes decisions from then on.
func (c *cluster) decide(ctx context.Context, name, slot, verdict, comment string) error {
	if err := c.waitFor(ctx, name, "running under its policy", func(r *v1.ApprovalRequest) bool { return approval.PolicyOf(r) != nil }); err != nil {
		return err
	}
	ann := map[string]string{v1.DecisionAnnotationPrefix + slot: verdict}
	if comment != "" {
		ann[v1.DecisionAnnotationPrefix+slot+v1.DecisionCommentSuffix] = comment
	}
	obj := &unstructured.Unstructured{}
	obj.SetGroupVersionKind(v1.GroupVersion.WithKind("ApprovalRequest"))
	obj.SetNamespace(namespace)
	obj.SetName(name)
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": ann}})
	if err != nil {
		return fmt.Errorf("building the annotation patch: %w", err)
	}
	if err := c.people[slot].Patch(ctx, obj, client.RawPatch("application/merge-patch+json", patch)); err != nil {
		return fmt.Errorf("deciding slot %s of %s (%s): %w", slot, name, verdict, err)
	}
	return nil
}
