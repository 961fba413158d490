package identity

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// keyField is the legacy Secret's data key holding the record key.
const keyField = "record-key"

// LoadLegacyKey reads the key version 1 records were signed with, from the Secret the operator
// kept it in before version 2 (r: uncached, so no informer on Secrets). It returns nil when the
// Secret is gone: the key was retired, or never existed.
func LoadLegacyKey(ctx context.Context, r client.Reader, name types.NamespacedName) ([]byte, error) {
	s := &corev1.Secret{}
	switch err := r.Get(ctx, name, s); {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("reading the legacy record key secret %s: %w", name, err)
	}
	if len(s.Data[keyField]) < MinKeyBytes {
		return nil, fmt.Errorf("secret %s has no %q of at least %d bytes", name, keyField, MinKeyBytes)
	}
	return s.Data[keyField], nil
}
