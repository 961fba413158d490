package operator

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/identity"
	webhookv1alpha1 "github.com/tollgate-dev/tollgate/internal/webhook/v1alpha1"
)

// IdentityConfig is how the operator and its webhook know each other: the key that signs what
// the webhook admits, and the identity the operator writes status as.
type IdentityConfig struct {
	// Namespace is the operator's namespace, where the record key Secret lives.
	Namespace string
	// RecordKeySecret names the Secret holding the record key (created when missing).
	RecordKeySecret string
	// RecordKeyFile, when set, is read instead of the Secret.
	RecordKeyFile string
	// OperatorUsername is the user the operator writes status as; empty: asked of the API
	// server (SelfSubjectReview) at start.
	OperatorUsername string
	// RecordKey is the key itself, once loaded (tests and the demo may set it directly).
	RecordKey []byte
}

// BindFlags registers the identity flags.
func (c *IdentityConfig) BindFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Namespace, "namespace", os.Getenv("POD_NAMESPACE"), "Namespace the operator runs in, where the record key Secret lives (default: $POD_NAMESPACE).")
	fs.StringVar(&c.RecordKeySecret, "record-key-secret", "tollgate-record-key", "Secret (in --namespace) holding the key that signs the admission webhook's decision records; created with a random key when missing. Every replica must read the same one.")
	fs.StringVar(&c.RecordKeyFile, "record-key-file", "", "Read the record key from this file instead of --record-key-secret (at least 32 bytes).")
	fs.StringVar(&c.OperatorUsername, "operator-username", "", "The Kubernetes user the operator writes status as; the status webhook lets only this user write status (default: asked of the API server with a SelfSubjectReview). Set it when the webhook runs under another identity than the controllers.")
}

// LoadRecordKey fills RecordKey from the file or the Secret, unless it is set already.
func (c *IdentityConfig) LoadRecordKey(ctx context.Context, r client.Reader, w client.Writer) error {
	var err error
	switch {
	case len(c.RecordKey) > 0:
	case c.RecordKeyFile != "":
		c.RecordKey, err = identity.KeyFromFile(c.RecordKeyFile)
	case c.Namespace == "":
		return errors.New("--namespace (or $POD_NAMESPACE) is needed to find the record key Secret; or give --record-key-file")
	default:
		c.RecordKey, err = identity.LoadOrCreateKey(ctx, r, w, types.NamespacedName{Namespace: c.Namespace, Name: c.RecordKeySecret})
	}
	return err
}

// checker builds the one identity check, asking mgr's API server for SubjectAccessReviews.
func (c *IdentityConfig) checker(mgr ctrl.Manager) (*identity.Checker, error) {
	signer, err := identity.NewSigner(c.RecordKey)
	if err != nil {
		return nil, fmt.Errorf("the record key (LoadRecordKey first): %w", err)
	}
	return &identity.Checker{Records: signer, Reviewer: identity.SubjectAccessReviewer{Client: mgr.GetClient()}}, nil
}

// SetupWebhooks serves tollgate's admission webhooks on mgr's webhook server.
func SetupWebhooks(ctx context.Context, mgr ctrl.Manager, cfg *Config) error {
	checker, err := cfg.Identity.checker(mgr)
	if err != nil {
		return err
	}
	operatorUser := cfg.Identity.OperatorUsername
	if operatorUser == "" {
		me, err := identity.WhoAmI(ctx, mgr.GetClient())
		if err != nil {
			return err
		}
		operatorUser = me.Username
	}
	// The ApproverDecision informer starts with the cache (the controller, when it runs in the
	// same manager, shares it).
	if _, err := mgr.GetCache().GetInformer(ctx, &v1.ApproverDecision{}); err != nil {
		return fmt.Errorf("watching ApproverDecisions for the webhooks: %w", err)
	}
	return webhookv1alpha1.SetupWebhooksWithManager(mgr, webhookv1alpha1.Options{
		Checker: checker, Operator: operatorUser, Reader: mgr.GetAPIReader(), Decisions: mgr.GetCache(), Clock: cfg.clock(),
	})
}
