package operator

import (
	"context"
	"fmt"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
	"github.com/tollgate-dev/tollgate/internal/identity"
)

// legacyRetirement deletes the Secret of the key records were signed with before version 2,
// once no pending request needs it: a request created before the upgrade carries a signed
// requester record, which the identity check reads with that key until the request ends.
// Ledger entries and ended requests do not need it (identity.VerifyEntry). It runs on the
// leader, at start and then every interval, until the Secret is gone.
type legacyRetirement struct {
	// reader lists uncached: a cache not yet synced would hide the requests that need the key.
	reader   client.Reader
	client   client.Client
	secret   types.NamespacedName
	interval time.Duration
	log      logr.Logger
}

// Start implements manager.Runnable.
func (l *legacyRetirement) Start(ctx context.Context) error {
	for {
		done, err := l.retire(ctx)
		if err != nil {
			l.log.Error(err, "retiring the legacy record key; trying again later")
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(l.interval):
		}
	}
}

// NeedLeaderElection implements manager.LeaderElectionRunnable.
func (l *legacyRetirement) NeedLeaderElection() bool { return true }

// retire deletes the Secret when no pending request holds a signed requester record.
func (l *legacyRetirement) retire(ctx context.Context) (bool, error) {
	var requests v1.ApprovalRequestList
	if err := l.reader.List(ctx, &requests); err != nil {
		return false, fmt.Errorf("listing requests: %w", err)
	}
	for i := range requests.Items {
		r := &requests.Items[i]
		if !approval.Ended(r.Status.Phase) && identity.Signed(r.Annotations[v1.RequesterAnnotation]) {
			return false, nil
		}
	}
	s := &corev1.Secret{}
	s.Namespace, s.Name = l.secret.Namespace, l.secret.Name
	switch err := l.client.Delete(ctx, s); {
	case apierrors.IsNotFound(err):
		return true, nil
	case err != nil:
		return false, fmt.Errorf("deleting the legacy record key secret %s: %w", l.secret, err)
	}
	l.log.Info("retired the legacy record key: no pending request was created before records were unsigned", "secret", l.secret)
	return true, nil
}
