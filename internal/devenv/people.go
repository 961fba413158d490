package devenv

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// approvalRequests is the resource most of the roles for people are about; create the verb
// that roles for writers grant.
const (
	approvalRequests = "approvalrequests"
	verbCreate       = "create"
)

// grant is a verb on one of tollgate's resources.
type grant struct{ verb, resource string }

// grantedVerb is, for each of config/rbac's roles for people, a verb the role grants: Grant
// waits until the authorizer allows it.
var grantedVerb = map[string]grant{
	RoleRequester:                 {verbCreate, approvalRequests},
	RoleApprover:                  {v1.ApproveVerb, approvalRequests},
	RoleViewer:                    {"watch", approvalRequests},
	RolePolicyAdmin:               {verbCreate, "gatepolicies"},
	RolePolicyUser:                {v1.UseVerb, "gatepolicies"},
	RoleNotificationsAdmin:        {verbCreate, "notificationconfigs"},
	RoleClusterNotificationsAdmin: {verbCreate, "clusternotificationconfigs"},
}

// groupMember is the user Grant asks the authorizer about for a group: a name no person of the
// environment has, so only the group's binding can allow it.
const groupMember = "devenv:member-of-group"

// Grant binds one of config/rbac's roles for people to subjects in namespace (with namespace
// "", cluster-wide), as a team's administrator would, and waits until the API server's
// authorizer allows each subject what the role grants: RBAC learns new bindings from a watch, a
// moment after they are written. Granting twice is harmless.
func (cp *ControlPlane) Grant(ctx context.Context, role, namespace string, subjects ...rbacv1.Subject) error {
	g, ok := grantedVerb[role]
	if !ok {
		return fmt.Errorf("granting %s: not one of config/rbac's roles for people (%s)", role, strings.Join(slices.Sorted(maps.Keys(grantedVerb)), ", "))
	}
	for _, s := range subjects {
		if s.Kind != rbacv1.UserKind && s.Kind != rbacv1.GroupKind {
			return fmt.Errorf("granting %s to %s %s: only users and groups are people", role, s.Kind, s.Name)
		}
	}
	if err := cp.bind(ctx, role, namespace, subjects...); err != nil {
		return err
	}
	for _, s := range subjects {
		user, groups := s.Name, []string(nil)
		if s.Kind == rbacv1.GroupKind {
			user, groups = groupMember, []string{s.Name}
		}
		if err := cp.WaitAllowedOn(ctx, user, groups, namespace, g.resource, "", g.verb); err != nil {
			return fmt.Errorf("granting %s: %w", role, err)
		}
	}
	return nil
}

// bind grants a ClusterRole to subjects: in one namespace (a RoleBinding) or, with namespace
// "", cluster-wide (a ClusterRoleBinding). Binding twice is harmless.
func (cp *ControlPlane) bind(ctx context.Context, role, namespace string, subjects ...rbacv1.Subject) error {
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

// WaitAllowed waits until the API server's authorizer lets user (in groups) do verb on
// approvalrequests in namespace: RBAC learns new bindings from a watch, a moment after they
// are written.
func (cp *ControlPlane) WaitAllowed(ctx context.Context, user string, groups []string, namespace, verb string) error {
	return cp.WaitAllowedOn(ctx, user, groups, namespace, approvalRequests, "", verb)
}

// WaitAllowedOn is WaitAllowed for any resource of tollgate's API group, and an object of it by
// name ("" for any): `use` on gatepolicies/NAME, say.
func (cp *ControlPlane) WaitAllowedOn(ctx context.Context, user string, groups []string, namespace, resource, name, verb string) error {
	return cp.WaitAllowedTo(ctx, user, groups, Resource(namespace, v1.GroupVersion.Group, resource, name, verb))
}

// Resource is what a SubjectAccessReview asks about: verb on resource of group (core: ""),
// in namespace, the object name ("" for any).
func Resource(namespace, group, resource, name, verb string) *authorizationv1.ResourceAttributes {
	return &authorizationv1.ResourceAttributes{Namespace: namespace, Verb: verb, Group: group, Resource: resource, Name: name}
}

// WaitAllowedTo waits until the API server's authorizer lets user (in groups) do what attrs say.
func (cp *ControlPlane) WaitAllowedTo(ctx context.Context, user string, groups []string, attrs *authorizationv1.ResourceAttributes) error {
	namespace, verb, what := attrs.Namespace, attrs.Verb, attrs.Resource
	if attrs.Name != "" {
		what += "/" + attrs.Name
	}
	err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{User: user, Groups: groups, ResourceAttributes: attrs}}
		if err := cp.Client.Create(ctx, sar); err != nil {
			return false, fmt.Errorf("asking whether %s may %s %s in %s: %w", user, verb, what, namespace, err)
		}
		return sar.Status.Allowed, nil
	})
	if wait.Interrupted(err) && ctx.Err() == nil {
		return fmt.Errorf("%s may still not %s %s in %s after 30s", user, verb, what, namespace)
	}
	return err
}

// ClientAs is a client acting as a person: the administrator impersonates them (the API server
// adds system:authenticated to their groups). It is made once per person and groups, and kept
// for the control plane's life; safe for concurrent use.
func (cp *ControlPlane) ClientAs(user string, groups ...string) (client.Client, error) {
	key := strings.Join(append([]string{user}, groups...), "\x00")
	cp.clientsMu.Lock()
	defer cp.clientsMu.Unlock()
	if c, ok := cp.clients[key]; ok {
		return c, nil
	}
	c, err := client.New(cp.As(user, groups...), client.Options{Scheme: cp.Scheme})
	if err != nil {
		return nil, fmt.Errorf("a client acting as %s: %w", user, err)
	}
	if cp.clients == nil {
		cp.clients = map[string]client.Client{}
	}
	cp.clients[key] = c
	return c, nil
}
