package devenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	corev1 "k8s.io/api/core/v1"
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

// OperatorGroups are the groups the API server puts a service account's requests in.
var OperatorGroups = []string{"system:serviceaccounts", "system:serviceaccounts:" + OperatorNamespace}

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
	// RoleNotificationsAdmin writes a namespace's NotificationConfigs;
	// RoleClusterNotificationsAdmin writes ClusterNotificationConfigs too.
	RoleNotificationsAdmin        = RolePrefix + "notifications-admin"
	RoleClusterNotificationsAdmin = RolePrefix + "cluster-notifications-admin"
)

// rbacFiles are the parts of config/rbac the environment installs, as config/default names
// them: the operator's roles (made from the controller's markers) and their bindings to its
// service account, leader election's, and the roles for people.
var rbacFiles = []string{
	"config/rbac/role.yaml", "config/rbac/role_binding.yaml",
	"config/rbac/leader_election_role.yaml", "config/rbac/leader_election_role_binding.yaml",
	"config/rbac/requester_role.yaml", "config/rbac/approver_role.yaml", "config/rbac/viewer_role.yaml",
	"config/rbac/policy_admin_role.yaml", "config/rbac/policy_user_role.yaml",
	"config/rbac/notifications_admin_role.yaml", "config/rbac/cluster_notifications_admin_role.yaml",
}

// NewScheme knows Kubernetes' built-in kinds and tollgate's.
func NewScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(v1.AddToScheme(s))
	return s
}

// ControlPlane is a local kube-apiserver and etcd with tollgate's CRDs, webhook configurations
// (served by Webhooks), RBAC and admission policies installed.
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
	// run is the control plane's own directory, with the record of what it started; thread is
	// the thread its processes were started from, held until they are stopped.
	run    *runDir
	thread *heldThread
	// clients are ClientAs's, by person and groups.
	clientsMu sync.Mutex
	clients   map[string]client.Client
}

// ControlPlaneOptions configure StartControlPlane.
type ControlPlaneOptions struct {
	// DataDir keeps etcd's data across restarts; empty starts a fresh, temporary cluster.
	DataDir string
	// Out receives kube-apiserver's and etcd's output (nil: discarded).
	Out io.Writer
	// RunDir is the control plane's own directory, wiped: the record of the processes it
	// starts, written as they start and stop, so that the next run ends what this one left if
	// it is killed; kube-apiserver's certificates and, without DataDir, etcd's data. Stop
	// removes it. A record of a killed run in it is refused: EndLeftovers first. Empty: a new
	// one in the per-user directory of test runs, where what killed test runs left is ended
	// first (said on stderr).
	RunDir string
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
// CA of their own), the operator's identity, config/rbac's roles and config/admission-policy's
// policies.
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
	if o.AuditLog != "" {
		policy := filepath.Join(filepath.Dir(o.AuditLog), "audit-policy.yaml")
		if err := os.WriteFile(policy, []byte(auditPolicy), 0o600); err != nil {
			return nil, fmt.Errorf("writing the audit policy: %w", err)
		}
		env.ControlPlane.GetAPIServer().Configure().
			Set("audit-policy-file", policy).Set("audit-log-path", o.AuditLog).Set("audit-log-mode", "blocking")
	}
	cp := &ControlPlane{Env: env, Scheme: NewScheme(), Assets: assets, out: o.Out}
	if err := cp.start(o); err != nil {
		return nil, err
	}
	// As cmd/main.go's ctrl.GetConfig does: no client-side rate limit, the API server's priority
	// and fairness protect it.
	cp.Admin.QPS = -1
	if err := cp.install(ctx, root); err != nil {
		return nil, errors.Join(err, cp.Stop())
	}
	return cp, nil
}

// start starts etcd and kube-apiserver through the launcher (on Linux they die with this
// process), from a held thread, in the run directory, and records them there.
func (cp *ControlPlane) start(o ControlPlaneOptions) error {
	run, err := startRun(o.RunDir, os.Stderr)
	if err != nil {
		return err
	}
	etcd, apiServer, err := launchers(run.path, cp.Assets)
	if err != nil {
		return errors.Join(err, run.close())
	}
	dataDir, certDir := o.DataDir, filepath.Join(run.path, "apiserver")
	if dataDir == "" {
		dataDir = filepath.Join(run.path, "etcd")
	}
	for _, dir := range []string{dataDir, certDir} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return errors.Join(fmt.Errorf("creating the control plane's directories: %w", err), run.close())
		}
	}
	cp.Env.ControlPlane.Etcd = &envtest.Etcd{Path: etcd, DataDir: dataDir, Out: o.Out, Err: o.Out}
	api := cp.Env.ControlPlane.GetAPIServer() // configured already (the audit log)
	api.Path, api.CertDir, api.Out, api.Err = apiServer, certDir, o.Out, o.Out
	cp.run, cp.thread = run, holdThread()
	cp.thread.do(func() { cp.Admin, err = cp.Env.Start() })
	if err != nil {
		return errors.Join(fmt.Errorf("starting the control plane from %s: %w", cp.Assets, err), cp.Stop())
	}
	if err := errors.Join(run.addRunning("etcd", "--data-dir="+dataDir), run.addRunning("kube-apiserver", "--cert-dir="+certDir)); err != nil {
		return errors.Join(err, cp.Stop())
	}
	return nil
}

// install creates the operator's identity, config/rbac's roles and config/admission-policy's
// policies, and returns once the policies are in force.
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
	for _, f := range admissionPolicyFiles {
		if err := applyFile(ctx, cp.Client, filepath.Join(root, filepath.FromSlash(f)), RolePrefix, OperatorNamespace); err != nil {
			return err
		}
	}
	op, err := cp.Env.AddUser(envtest.User{Name: OperatorUsername, Groups: OperatorGroups}, nil)
	if err != nil {
		return fmt.Errorf("creating the operator's identity: %w", err)
	}
	cp.Operator = op.Config()
	cp.Operator.QPS = -1
	return cp.waitOperatorSecretsPolicy(ctx)
}

// As returns a configuration that acts as a person: the admin impersonates them (the API
// server adds system:authenticated to their groups).
func (cp *ControlPlane) As(user string, groups ...string) *rest.Config {
	cfg := rest.CopyConfig(cp.Admin)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: groups}
	return cfg
}

// Stop stops kube-apiserver and etcd (a DataDir keeps etcd's data) and removes the run
// directory; what it could not stop stays recorded there.
func (cp *ControlPlane) Stop() error {
	err := errors.Join(cp.stopRestarted(), cp.Env.Stop())
	cp.thread.release()
	if err != nil {
		return err
	}
	return cp.run.close()
}
