package identity

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// keyField is the Secret's data key holding the record key.
const keyField = "record-key"

// NewKey returns a fresh random record key.
func NewKey() []byte {
	key := make([]byte, MinKeyBytes)
	_, _ = rand.Read(key) // crypto/rand.Read never fails on supported platforms
	return key
}

// LoadOrCreateKey reads the record key from a Secret (r: uncached, so no informer on Secrets),
// and creates the Secret with a fresh key when it does not exist yet. Every replica of the
// operator (and its webhook) reads the same Secret, so a record signed by one replica verifies
// in another.
func LoadOrCreateKey(ctx context.Context, r client.Reader, w client.Writer, name types.NamespacedName) ([]byte, error) {
	for range 2 {
		s := &corev1.Secret{}
		err := r.Get(ctx, name, s)
		switch {
		case err == nil:
			if len(s.Data[keyField]) < MinKeyBytes {
				return nil, fmt.Errorf("secret %s has no %q of at least %d bytes", name, keyField, MinKeyBytes)
			}
			return s.Data[keyField], nil
		case !apierrors.IsNotFound(err):
			return nil, fmt.Errorf("reading the record key secret %s: %w", name, err)
		}
		s = &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: name.Namespace, Name: name.Name, Labels: map[string]string{"app.kubernetes.io/name": "tollgate"}},
			Data:       map[string][]byte{keyField: NewKey()},
		}
		err = w.Create(ctx, s)
		switch {
		case err == nil:
			return s.Data[keyField], nil
		case !apierrors.IsAlreadyExists(err):
			return nil, fmt.Errorf("creating the record key secret %s: %w", name, err)
		}
		// Another replica created it first: read theirs.
	}
	return nil, fmt.Errorf("the record key secret %s keeps changing", name)
}

// KeyFromFile reads a record key kept in a file (the demo keeps its key with its state).
func KeyFromFile(path string) ([]byte, error) {
	key, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the record key: %w", err)
	}
	return key, nil
}
