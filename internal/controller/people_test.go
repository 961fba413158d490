package controller_test

import (
	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tollgate-dev/tollgate/internal/devenv"
)

// The people of the specs. Each namespace binds config/rbac's roles as a team would: the
// requester may ask, the approvers group may decide (verb approve). Who may decide which slot
// is the request's business (newRequest gives slot s the user person(s)).
const (
	requesterUser  = "requester@example.com"
	approversGroup = "approvers"
)

// person is the user newRequest names for a slot.
func person(slot string) string { return slot + "@example.com" }

// as is a client acting as a person (the administrator impersonates them; the API server adds
// system:authenticated), kept for the suite.
func as(user string, groups ...string) client.Client {
	c, err := env.ControlPlane.ClientAs(user, groups...)
	Expect(err).NotTo(HaveOccurred())
	return c
}

// createNamespace makes a fresh namespace, so that specs never see each other's objects, with
// the team's roles bound.
func createNamespace(prefix string) string {
	team, err := env.ControlPlane.NewTeam(ctx, devenv.TeamOptions{
		GenerateName: prefix + "-",
		Requesters:   devenv.Users(requesterUser),
		Approvers:    devenv.Groups(approversGroup),
	})
	Expect(err).NotTo(HaveOccurred())
	return team.Namespace
}
