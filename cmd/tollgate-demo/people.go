package main

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
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

// bindPeople grants the demo's people their roles, as a team's administrator would.
func bindPeople(ctx context.Context, cp *devenv.ControlPlane) error {
	if err := cp.Bind(ctx, devenv.RoleRequester, demoNamespace, devenv.Users(requester)...); err != nil {
		return err
	}
	subjects := append(devenv.Users(approverUsers...), devenv.Groups(approverGroups...)...)
	if err := cp.Bind(ctx, devenv.RoleApprover, demoNamespace, subjects...); err != nil {
		return err
	}
	if err := cp.WaitAllowed(ctx, requester, nil, demoNamespace, "create"); err != nil {
		return err
	}
	if err := cp.WaitAllowed(ctx, impostor, nil, demoNamespace, v1.ApproveVerb); err != nil {
		return err
	}
	say("RBAC in namespace %s: %s may request (tollgate-requester); %d people and groups %v may approve (tollgate-approver, verb approve)",
		demoNamespace, requester, len(approverUsers), approverGroups)
	return nil
}

// people gives a client per person, each impersonated by the administrator.
type people struct {
	cp      *devenv.ControlPlane
	clients map[string]client.Client
}

func (p *people) as(user string) (client.Client, error) {
	if c, ok := p.clients[user]; ok {
		return c, nil
	}
	c, err := client.New(p.cp.As(user, groupsOf(user)...), client.Options{Scheme: p.cp.Scheme})
	if err != nil {
		return nil, fmt.Errorf("a client for %s: %w", user, err)
	}
	if p.clients == nil {
		p.clients = map[string]client.Client{}
	}
	p.clients[user] = c
	return c, nil
}
