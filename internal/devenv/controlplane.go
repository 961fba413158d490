package devenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// The identity the operator runs as: the service account config/default deploys it with.
// The environment authenticates it with a client certificate of that name, so RBAC, the
// status webhook and the identity checks see exactly what they see in a cluster.
const (
	OperatorNamespace      = "tollgate-system"
	OperatorServiceAccount = "tollgate-controller-manager"
	OperatorUsername       = "system:serviceaccount:" + OperatorNamespace + ":" + OperatorServiceAccount
)

// RolePrefix is config/default's namePrefix: the names config/rbac's roles have once deployed
// (the approver role is "tollgate-approver").
const RolePrefix = "tollgate-"

// Roles for people, as config/rbac ships them.
const (
	RoleRequester = RolePrefix + "requester"
	RoleApprover  = RolePrefix + "approver"
	RoleViewer    = RolePrefix + "viewer"
	// RolePolicyAdmin writes a namespace's GatePolicies; RolePolicyUser references them.
	RolePolicyAdmin = RolePrefix + "policy-admin"
	RolePolicyUser  = RolePrefix + "policy-user"
)

// rbacFiles are the parts of config/rbac the environment installs, as config/default names
// them: the operator's roles (made from the controller's markers) and their bindings to its
// service account, leader election's, and the roles for people.
var rbacFiles = []string{
	"config/rbac/role.yaml", "config/rbac/role_binding.yaml",
	"config/rbac/leader_election_role.yaml", "config/rbac/leader_election_role_binding.yaml",
	"config/rbac/requester_role.yaml", "config/rbac/approver_role.yaml", "config/rbac/viewer_role.yaml",
	"config/rbac/policy_admin_role.yaml", "config/rbac/policy_user_role.yaml",
}

// NewScheme knows Kubernetes' built-in kinds and tollgate's.
func NewScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(v1.AddToScheme(s))
	return s
}

// ControlPlane is a local kube-apiserver and etcd with tollgate's CRDs, webhook configurations
// (served by Webhooks) and RBAC installed.
type ControlPlane struct {
	Env    *envtest.Environment
	Scheme *runtime.Scheme
	// Admin is envtest's administrator (system:masters): for setting up, never for the operator.
	Admin  *rest.Config
	Client client.Client
	// Operator authenticates as OperatorUsername, bound to config/rbac's manager role.
	Operator *rest.Config
	Assets   string
	// out receives the control plane's output; restarted is the kube-apiserver
	// RestartAPIServer started (envtest's own is gone then).
	out       io.Writer
	restarted *process
}

// ControlPlaneOptions configure StartControlPlane.
type ControlPlaneOptions struct {
	// DataDir keeps etcd's data across restarts; empty starts a fresh, temporary cluster.
	DataDir string
	// Out receives kube-apiserver's and etcd's output (nil: discarded).
	Out io.Writer
	// AuditLog, when set, is where kube-apiserver writes an audit event (level Metadata, when
	// the response is complete) for every request: who did what to which object, and when it
	// was received and answered, to the microsecond. The bench's -trace reads it.
	AuditLog string
}

// auditPolicy logs every request's metadata once, when its response is complete.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived, ResponseStarted]
rules:
- level: Metadata
`

// StartControlPlane starts kube-apiserver and etcd and installs tollgate: CRDs from
// config/crd/bases, webhook configurations from config/webhook (pointing at 127.0.0.1, with a
// CA of their own), the operator's identity and config/rbac's roles.
func StartControlPlane(ctx context.Context, o ControlPlaneOptions) (*ControlPlane, error) {
	assets, err := Assets()
	if err != nil {
		return nil, err
	}
	root, err := Root()
	if err != nil {
		return nil, err
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     []string{filepath.Join(root, "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		WebhookInstallOptions: envtest.WebhookInstallOptions{
			Paths:            []string{filepath.Join(root, "config", "webhook", "manifests.yaml")},
			LocalServingHost: "127.0.0.1",
		},
	}
	if o.DataDir != "" || o.Out != nil {
		env.ControlPlane.Etcd = &envtest.Etcd{DataDir: o.DataDir, Out: o.Out, Err: o.Out}
		env.ControlPlane.APIServer = &envtest.APIServer{Out: o.Out, Err: o.Out}
	}
	if o.AuditLog != "" {
		policy := filepath.Join(filepath.Dir(o.AuditLog), "audit-policy.yaml")
		if err := os.WriteFile(policy, []byte(auditPolicy), 0o600); err != nil {
			return nil, fmt.Errorf("writing the audit policy: %w", err)
		}
		env.ControlPlane.GetAPIServer().Configure().
			Set("audit-policy-file", policy).Set("audit-log-path", o.AuditLog).Set("audit-log-mode", "blocking")
	}
	admin, err := env.Start()
	if err != nil {
		return nil, errors.Join(fmt.Errorf("starting the control plane from %s: %w", assets, err), env.Stop())
	}
	// As cmd/main.go's ctrl.GetConfig does: no client-side rate limit, the API server's priority
	// and fairness protect it.
	admin.QPS = -1
	cp := &ControlPlane{Env: env, Scheme: NewScheme(), Admin: admin, Assets: assets, out: o.Out}
	if err := cp.install(ctx, root); err != nil {
		return nil, errors.Join(err, cp.Stop())
	}
	return cp, nil
}

// install creates the operator's identity and config/rbac's roles.
func (cp *ControlPlane) install(ctx context.Context, root string) error {
	var err error
	if cp.Client, err = client.New(cp.Admin, client.Options{Scheme: cp.Scheme}); err != nil {
		return fmt.Errorf("creating the admin client: %w", err)
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: OperatorNamespace}}
	if err := cp.Client.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating namespace %s: %w", OperatorNamespace, err)
	}
	for _, f := range rbacFiles {
		if err := applyFile(ctx, cp.Client, filepath.Join(root, filepath.FromSlash(f)), RolePrefix, OperatorNamespace); err != nil {
			return err
		}
	}
	op, err := cp.Env.AddUser(envtest.User{Name: OperatorUsername, Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + OperatorNamespace}}, nil)
	if err != nil {
		return fmt.Errorf("creating the operator's identity: %w", err)
	}
	cp.Operator = op.Config()
	cp.Operator.QPS = -1
	return nil
}

// As returns a configuration that acts as a person: the admin impersonates them (the API
// server adds system:authenticated to their groups).
func (cp *ControlPlane) As(user string, groups ...string) *rest.Config {
	cfg := rest.CopyConfig(cp.Admin)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: groups}
	return cfg
}

// Bind grants a ClusterRole to subjects: in one namespace (a RoleBinding) or, with namespace
// "", cluster-wide (a ClusterRoleBinding). Binding twice is harmless.
func (cp *ControlPlane) Bind(ctx context.Context, role, namespace string, subjects ...rbacv1.Subject) error {
	ref := rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role}
	name := fmt.Sprintf("%s-%s", role, subjectsName(subjects))
	var obj client.Object = &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name}, RoleRef: ref, Subjects: subjects}
	if namespace != "" {
		obj = &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace}, RoleRef: ref, Subjects: subjects}
	}
	if err := cp.Client.Create(ctx, obj); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("binding %s to %s: %w", role, subjectsName(subjects), err)
	}
	return nil
}

// Users are RBAC subjects for user names.
func Users(names ...string) []rbacv1.Subject {
	out := make([]rbacv1.Subject, 0, len(names))
	for _, n := range names {
		out = append(out, rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: n})
	}
	return out
}

// Groups are RBAC subjects for groups.
func Groups(names ...string) []rbacv1.Subject {
	out := make([]rbacv1.Subject, 0, len(names))
	for _, n := range names {
		out = append(out, rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: n})
	}
	return out
}

// Stop stops kube-apiserver and etcd (a DataDir keeps etcd's data).
func (cp *ControlPlane) Stop() error {
	return errors.Join(cp.stopRestarted(), cp.Env.Stop())
}

// WaitAllowed waits until the API server's authorizer lets user (in groups) do verb on
// approvalrequests in namespace: RBAC learns new bindings from a watch, a moment after Bind.
func (cp *ControlPlane) WaitAllowed(ctx context.Context, user string, groups []string, namespace, verb string) error {
	return cp.WaitAllowedOn(ctx, user, groups, namespace, "approvalrequests", "", verb)
}

// WaitAllowedOn is WaitAllowed for any resource of tollgate's API group, and an object of it by
// name ("" for any): `use` on gatepolicies/NAME, say.
func (cp *ControlPlane) WaitAllowedOn(ctx context.Context, user string, groups []string, namespace, resource, name, verb string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
			User: user, Groups: groups,
			ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: namespace, Verb: verb, Group: v1.GroupVersion.Group, Resource: resource, Name: name},
		}}
		if err := cp.Client.Create(ctx, sar); err != nil {
			return fmt.Errorf("asking whether %s may %s %s in %s: %w", user, verb, resource, namespace, err)
		}
		if sar.Status.Allowed {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s may still not %s %s %s in %s after 30s", user, verb, resource, name, namespace)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}
