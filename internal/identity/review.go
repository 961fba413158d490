package identity

import (
	"context"
	"fmt"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// SubjectAccessReviewer asks the API server's authorizer (RBAC, or whatever the cluster runs)
// with a SubjectAccessReview. Its client needs `create` on subjectaccessreviews.
type SubjectAccessReviewer struct {
	Client client.Client
}

// Allowed implements Reviewer: verb on an object of tollgate's API group. The user's extra
// fields go with the question when the caller has them (admission does; a record does not keep
// them).
func (r SubjectAccessReviewer) Allowed(ctx context.Context, u User, verb string, on Object) (bool, string, error) {
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User: u.Username, UID: u.UID, Groups: u.Groups,
		ResourceAttributes: &authorizationv1.ResourceAttributes{
			Namespace: on.Namespace, Verb: verb, Group: v1.GroupVersion.Group,
			Version: v1.GroupVersion.Version, Resource: on.Resource, Name: on.Name,
		},
	}}
	if len(u.Extra) > 0 {
		sar.Spec.Extra = make(map[string]authorizationv1.ExtraValue, len(u.Extra))
		for k, v := range u.Extra {
			sar.Spec.Extra[k] = v
		}
	}
	if err := r.Client.Create(ctx, sar); err != nil {
		return false, "", fmt.Errorf("creating a SubjectAccessReview: %w", err)
	}
	return sar.Status.Allowed, sar.Status.Reason, nil
}

// WhoAmI asks the API server who the client is (a SelfSubjectReview): the identity the
// operator writes status as, which its webhook then lets write status alone.
func WhoAmI(ctx context.Context, c client.Client) (User, error) {
	review := &authenticationv1.SelfSubjectReview{}
	if err := c.Create(ctx, review); err != nil {
		return User{}, fmt.Errorf("asking the API server who the operator is (SelfSubjectReview): %w", err)
	}
	return FromUserInfo(review.Status.UserInfo), nil
}
