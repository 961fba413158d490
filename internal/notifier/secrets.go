package notifier

import (
	"context"
	"fmt"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tollgate-dev/tollgate/internal/notify"
)

// APISecrets reads the Secrets a channel names straight from the API server, one at the send:
// the manager caches no Secret and watches none. Which namespace is read is the Destination's,
// as notify.Resolve chose it: the request's own for a NotificationConfig, the operator's for a
// ClusterNotificationConfig. The manager's role grants no Secret: it reads one only where
// someone who may read it granted its service account `get` on it by name, so a channel's
// author cannot make it use a Secret they may not read themselves (RBAC refuses them that
// grant).
type APISecrets struct {
	Reader client.Reader
}

// SecretData is the Secret's data; notify.ErrSecretNotGranted when the manager may not read it.
func (s APISecrets) SecretData(ctx context.Context, namespace, name string) (map[string][]byte, error) {
	secret := &corev1.Secret{}
	if err := s.Reader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, secret); err != nil {
		if apierrors.IsForbidden(err) {
			return nil, fmt.Errorf("%w: %w", notify.ErrSecretNotGranted, err)
		}
		return nil, err
	}
	return secret.Data, nil
}

// APIAccess asks the API server whether the manager may get a Secret, about itself (a
// SelfSubjectAccessReview, which every authenticated identity may create): the config checker
// finds a missing grant without trying the read, so an ungranted Secret costs no refused `get`
// of a Secret by a service account every recheck — what an audit pipeline rightly flags.
type APIAccess struct {
	Client client.Client
}

// MayGet reports whether the manager may get the Secret namespace/name.
func (a APIAccess) MayGet(ctx context.Context, namespace, name string) (bool, error) {
	review := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
		ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: namespace, Verb: "get", Resource: "secrets", Name: name},
	}}
	if err := a.Client.Create(ctx, review); err != nil {
		return false, fmt.Errorf("asking whether tollgate may get the Secret %s/%s: %w", namespace, name, err)
	}
	return review.Status.Allowed, nil
}
