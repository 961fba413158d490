package plugin

import (
	"slices"
	"strings"

	authenticationv1 "k8s.io/api/authentication/v1"
)

// person is who the API server says the plugin's user is (a SelfSubjectReview): the
// kubeconfig's user, or the one --as and --as-group name.
type person struct {
	Username string
	Groups   []string
}

func personOf(u authenticationv1.UserInfo) person {
	return person{Username: u.Username, Groups: slices.Clone(u.Groups)}
}

// String names the person for messages, with their groups.
func (p person) String() string {
	if len(p.Groups) == 0 {
		return p.Username
	}
	return p.Username + " in groups " + strings.Join(p.Groups, ", ")
}
