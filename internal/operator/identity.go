package operator

import (
	"context"
	"flag"
	"fmt"
	"os"

	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
	"github.com/tollgate-dev/tollgate/internal/identity"
	webhookv1alpha1 "github.com/tollgate-dev/tollgate/internal/webhook/v1alpha1"
)

// IdentityConfig is how the operator and its webhooks know who is who: the identity the operator
// writes status as, and the legacy key that checks records signed before version 2.
type IdentityConfig struct {
	// Namespace is the operator's namespace, where the legacy record key Secret lives.
	Namespace string
	// LegacyKeySecret names the Secret holding the key records were signed with before version
	// 2. It is read at start, while it exists, to check those records; the operator deletes it
	// once no pending request needs it (RetireLegacyKey).
	LegacyKeySecret string
	// OperatorUsername is the user the operator writes status as; empty: asked of the API
	// server (SelfSubjectReview) at start.
	OperatorUsername string
	// LegacyKey is the key itself, once loaded (tests and the demo may set it directly).
	LegacyKey []byte
}

// defaultLegacyKeySecret is the Secret the operator kept the record key in before version 2.
const defaultLegacyKeySecret = "tollgate-record-key"

// BindFlags registers the identity flags.
func (c *IdentityConfig) BindFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Namespace, "namespace", os.Getenv("POD_NAMESPACE"), "Namespace the operator runs in, where the legacy record key Secret lives (default: $POD_NAMESPACE).")
	fs.StringVar(&c.LegacyKeySecret, "record-key-secret", defaultLegacyKeySecret, "Secret (in --namespace) holding the key that signed decision records before records were unsigned (version 2). Read at start while it exists, to check those records; deleted by the operator once no pending request was created before the upgrade.")
	fs.StringVar(&c.OperatorUsername, "operator-username", "", "The Kubernetes user the operator writes status as; the status webhook lets only this user write status (default: asked of the API server with a SelfSubjectReview). Set it when the webhook runs under another identity than the controllers.")
}

// LoadLegacyKey fills LegacyKey from the Secret, unless it is set already; a missing Secret
// leaves it empty (the key is retired).
func (c *IdentityConfig) LoadLegacyKey(ctx context.Context, r client.Reader) error {
	if len(c.LegacyKey) > 0 || c.Namespace == "" {
		return nil
	}
	key, err := identity.LoadLegacyKey(ctx, r, types.NamespacedName{Namespace: c.Namespace, Name: c.LegacyKeySecret})
	c.LegacyKey = key
	return err
}

// checker builds the one identity check, asking mgr's API server for SubjectAccessReviews.
func (c *IdentityConfig) checker(mgr ctrl.Manager) (*identity.Checker, error) {
	records, err := identity.NewRecords(c.LegacyKey)
	if err != nil {
		return nil, err
	}
	return &identity.Checker{Records: records, Reviewer: identity.SubjectAccessReviewer{Client: mgr.GetClient()}}, nil
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
		Enforcement: approval.Enforcement(cfg.PolicyEnforcement),
	})
}
