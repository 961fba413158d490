package notifier

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// APISecrets reads the Secrets a channel names straight from the API server, one at the send:
// the manager caches no Secret and watches none (its role may get a Secret by name, never list
// or watch them). Which namespace is read is the Destination's, as notify.Resolve chose it: the
// request's own for a NotificationConfig, the operator's for a ClusterNotificationConfig.
type APISecrets struct {
	Reader client.Reader
}

// SecretData is the Secret's data.
func (s APISecrets) SecretData(ctx context.Context, namespace, name string) (map[string][]byte, error) {
	secret := &corev1.Secret{}
	if err := s.Reader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, secret); err != nil {
		return nil, err
	}
	return secret.Data, nil
}
