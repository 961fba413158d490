package main

import (
	"context"
	"sync"

	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/devenv"
	"github.com/tollgate-dev/tollgate/internal/operator"
	"github.com/tollgate-dev/tollgate/internal/tokenseal"
)

// opener opens the task tokens the manager sealed in status, with its keys read from their
// Secret as a cluster administrator can: the bench matches them with the SendTask* calls the
// endpoint received.
type opener struct {
	admin client.Client
	mu    sync.Mutex
	keys  *tokenseal.Keyring
}

// open replaces each sealed token of r's status with the token itself; a token it cannot open
// is left as it is.
func (o *opener) open(r *v1.ApprovalRequest) {
	for i := range r.Status.Approvers {
		a := &r.Status.Approvers[i]
		if !tokenseal.Sealed(a.TaskToken) {
			continue
		}
		keys, err := o.keyring()
		if err != nil {
			return
		}
		if token, err := keys.Open(a.TaskToken, tokenseal.Binding(string(r.UID), a.Name)); err == nil {
			a.TaskToken = token
		}
	}
}

// keyring reads the manager's keys (or writes the first, as the manager would: it then reads
// them) once.
func (o *opener) keyring() (*tokenseal.Keyring, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.keys != nil {
		return o.keys, nil
	}
	keys, err := operator.TokenKeyring(context.Background(), o.admin, o.admin,
		client.ObjectKey{Namespace: devenv.OperatorNamespace, Name: operator.DefaultTokenKeySecret})
	if err != nil {
		return nil, err
	}
	o.keys = keys
	return keys, nil
}
