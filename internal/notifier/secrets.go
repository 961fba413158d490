package notifier

import (
	"context"
	"fmt"

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
