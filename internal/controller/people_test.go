package controller_test

import (
	"sync"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
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

var (
	clientsMu sync.Mutex
	clients   = map[string]client.Client{}
)

// as is a client acting as a person (the administrator impersonates them; the API server adds
// system:authenticated).
func as(user string, groups ...string) client.Client {
	key := user + "|" + joined(groups)
	clientsMu.Lock()
	defer clientsMu.Unlock()
	if c, ok := clients[key]; ok {
		return c
	}
	c, err := client.New(env.ControlPlane.As(user, groups...), client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
	clients[key] = c
	return c
}

func joined(groups []string) string {
	out := ""
	for _, g := range groups {
		out += g + ","
	}
	return out
}

// createNamespace makes a fresh namespace, so that specs never see each other's objects, with
// the team's roles bound.
func createNamespace(prefix string) string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: prefix + "-"}}
	Expect(k8sClient.Create(ctx, ns)).To(Succeed())
	cp := env.ControlPlane
	Expect(cp.Bind(ctx, devenv.RoleRequester, ns.Name, devenv.Users(requesterUser)...)).To(Succeed())
	Expect(cp.Bind(ctx, devenv.RoleApprover, ns.Name, devenv.Groups(approversGroup)...)).To(Succeed())
	Expect(cp.WaitAllowed(ctx, requesterUser, nil, ns.Name, "create")).To(Succeed())
	Expect(cp.WaitAllowed(ctx, person("probe"), []string{approversGroup}, ns.Name, v1.ApproveVerb)).To(Succeed())
	return ns.Name
}
