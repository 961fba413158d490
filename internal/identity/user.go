package identity

import (
	"slices"
	"strings"

	authenticationv1 "k8s.io/api/authentication/v1"
)

// User is a Kubernetes identity as the API server authenticated it.
type User struct {
	Username string   `json:"username"`
	UID      string   `json:"uid,omitempty"`
	Groups   []string `json:"groups,omitempty"`
	// Extra are the credential's extra fields (a token's credential id, scopes): asked of the
	// authorizer at admission, never written into a record (an audit needs who, not which
	// credential). Records written before this rule may carry them and still verify.
	Extra map[string][]string `json:"extra,omitempty"`
}

// FromUserInfo converts the user of an admission request or a SelfSubjectReview.
func FromUserInfo(u authenticationv1.UserInfo) User {
	out := User{Username: u.Username, UID: u.UID, Groups: slices.Clone(u.Groups)}
	if len(u.Extra) > 0 {
		out.Extra = make(map[string][]string, len(u.Extra))
		for k, v := range u.Extra {
			out.Extra[k] = slices.Clone([]string(v))
		}
	}
	return out
}

// recorded is the user as a record keeps them: name, uid, and those of their groups that are
// among relevant (the groups a slot names: what made them its member).
func (u User) recorded(relevant []string) User {
	var groups []string
	for _, g := range u.Groups {
		if slices.Contains(relevant, g) {
			groups = append(groups, g)
		}
	}
	return User{Username: u.Username, UID: u.UID, Groups: groups}
}

// InGroup reports whether the user is a member of any of groups.
func (u User) InGroup(groups []string) bool {
	for _, g := range groups {
		if slices.Contains(u.Groups, g) {
			return true
		}
	}
	return false
}

// String names the user for messages: the user name, and the groups that matter to no one
// else are left out.
func (u User) String() string {
	if u.Username == "" {
		return "an unauthenticated user"
	}
	return u.Username
}

// describeGroups lists groups for a message.
func describeGroups(groups []string) string {
	if len(groups) == 0 {
		return "none"
	}
	return strings.Join(groups, ", ")
}
