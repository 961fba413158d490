package main

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tollgate-dev/tollgate/internal/devenv"
)

// The demo's people. ravi asks; alice, bob and carol (on call for security) decide the sample
// request; dana, dmitri and the platform admins decide the two-of-three one; mallory may
// approve in this namespace too (she holds the approver role) but is no approver of these
// requests, so whatever she tries is refused.
const (
	demoNamespace = "default"
	requester     = "ravi@example.com"
	impostor      = "mallory@example.com"
	alice         = "alice@example.com"
	bob           = "bob@example.com"
	carol         = "carol@example.com"
	pat           = "pat@example.com"
)

// approverUsers and approverGroups are bound to config/rbac's tollgate-approver role in the
// demo's namespace; the requester to tollgate-requester.
var (
	approverUsers  = []string{alice, bob, carol, "dana@example.com", "dmitri@example.com", pat, impostor}
	approverGroups = []string{"security-oncall", "platform-admins"}
)

// groupsOf are the groups a demo person is in (what their identity provider would say).
func groupsOf(user string) []string {
	switch user {
	case carol:
		return []string{"security-oncall"}
	case pat:
		return []string{"platform-admins"}
	}
	return nil
}

// newTeam grants the demo's people their roles in the demo's namespace, as a team's
// administrator would, and waits until RBAC allows them.
func newTeam(ctx context.Context, cp *devenv.ControlPlane) (*devenv.Team, error) {
	team, err := cp.NewTeam(ctx, devenv.TeamOptions{
		Namespace:  demoNamespace,
		Requesters: devenv.Users(requester),
		Approvers:  append(devenv.Users(approverUsers...), devenv.Groups(approverGroups...)...),
	})
	if err != nil {
		return nil, err
	}
	say("RBAC in namespace %s: %s may request (tollgate-requester); %d people and groups %v may approve (tollgate-approver, verb approve)",
		demoNamespace, requester, len(approverUsers), approverGroups)
	return team, nil
}

// as is a client acting as one of the demo's people, in the groups their identity provider
// would give them.
func as(team *devenv.Team, user string) (client.Client, error) {
	return team.As(user, groupsOf(user)...)
}
