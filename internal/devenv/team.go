package devenv

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Team is a team's namespace, set up as the team's administrator sets one up: config/rbac's
// roles for people bound in it, and the authorizer known to allow each of them before anyone
// acts. The controller suite, the plugin's tests, the soak, the GitOps tests, the bench and the
// demo all make their people here.
type Team struct {
	Namespace string
	cp        *ControlPlane
}

// TeamOptions say where the team works and who holds which role there.
type TeamOptions struct {
	// Namespace is the team's namespace, created unless it exists (the demo's "default", a kept
	// cluster's). Empty: a fresh namespace named from GenerateName, so that specs never see each
	// other's objects.
	Namespace    string
	GenerateName string
	// Labels are the namespace's labels, when NewTeam creates it (tollgate.dev/require-policy,
	// say: an administrator's switch).
	Labels map[string]string
	// Requesters, Approvers and Viewers are bound to tollgate-requester, tollgate-approver and
	// tollgate-viewer in the namespace.
	Requesters, Approvers, Viewers []rbacv1.Subject
}

// NewTeam creates the team's namespace and grants its people their roles (see Grant).
func (cp *ControlPlane) NewTeam(ctx context.Context, o TeamOptions) (*Team, error) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: o.Namespace, Labels: o.Labels}}
	if o.Namespace == "" {
		ns.GenerateName = o.GenerateName
	}
	if err := cp.Client.Create(ctx, ns); err != nil && (o.Namespace == "" || !apierrors.IsAlreadyExists(err)) {
		return nil, fmt.Errorf("creating the team's namespace %s%s: %w", o.Namespace, o.GenerateName, err)
	}
	for _, g := range []struct {
		role     string
		subjects []rbacv1.Subject
	}{{RoleRequester, o.Requesters}, {RoleApprover, o.Approvers}, {RoleViewer, o.Viewers}} {
		if len(g.subjects) == 0 {
			continue
		}
		if err := cp.Grant(ctx, g.role, ns.Name, g.subjects...); err != nil {
			return nil, fmt.Errorf("in namespace %s: %w", ns.Name, err)
		}
	}
	return &Team{Namespace: ns.Name, cp: cp}, nil
}

// As is a client acting as a person of the team (ControlPlane.ClientAs: one per person, kept).
func (t *Team) As(user string, groups ...string) (client.Client, error) {
	return t.cp.ClientAs(user, groups...)
}
