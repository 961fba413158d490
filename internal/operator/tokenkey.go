package operator

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tollgate-dev/tollgate/internal/tokenseal"
)

// +kubebuilder:rbac:groups="",namespace=system,resources=secrets,verbs=create
// +kubebuilder:rbac:groups="",namespace=system,resources=secrets,resourceNames=tollgate-token-key,verbs=get

// DefaultTokenKeySecret is the Secret, in the operator's namespace, holding the keys that seal
// task tokens in status.
const DefaultTokenKeySecret = "tollgate-token-key"

// TokenKeyring reads the token keys from their Secret (uncached: the operator reads no other
// Secret, so it keeps no informer on them), creating it with a first random key when there is
// none. Its data holds one 32-byte key per id ("1", "2", ...): the highest seals, all open —
// an administrator rotates by adding the next id and restarting the operator, and removes an
// old id once no pending request holds a token it sealed. Two replicas starting at once both
// create; the one that loses reads what the other wrote.
func TokenKeyring(ctx context.Context, r client.Reader, c client.Client, name types.NamespacedName) (*tokenseal.Keyring, error) {
	s := &corev1.Secret{}
	err := r.Get(ctx, name, s)
	if apierrors.IsNotFound(err) {
		s = &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: name.Namespace, Name: name.Name, Labels: map[string]string{"app.kubernetes.io/managed-by": "tollgate"}},
			Type:       corev1.SecretTypeOpaque,
			Data:       map[string][]byte{"1": tokenseal.NewKey()},
		}
		err = c.Create(ctx, s)
		if apierrors.IsAlreadyExists(err) {
			err = r.Get(ctx, name, s)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("reading or creating the task token key Secret %s: %w", name, err)
	}
	k, err := tokenseal.New(s.Data)
	if err != nil {
		return nil, fmt.Errorf("the task token key Secret %s: %w", name, err)
	}
	return k, nil
}
