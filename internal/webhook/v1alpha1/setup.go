// Package v1alpha1 holds tollgate's admission webhooks for approvals.tollgate.dev/v1alpha1.
// They are the first wall of the identity model (internal/identity): the mutating webhooks run
// the one check on every decision, whatever path it takes, write what they admitted as a signed
// record and bind decisions to their request; the validating guards then read each object as it
// will be stored — after every mutation and the schema — and refuse what tollgate's rules
// forbid, what carries no record for its writer, and what they cannot read (they fail closed);
// the status guard lets nobody but the operator write status, and not even the operator's
// identity an end the verified ledger does not support. The controller checks again (a webhook
// can be bypassed by misconfiguration), so all must agree.
package v1alpha1

import (
	"errors"

	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/tollgate-dev/tollgate/internal/approval"
	"github.com/tollgate-dev/tollgate/internal/identity"
)

// Paths the webhooks are served on (config/webhook/manifests.yaml is generated from the markers).
const (
	RequestPath       = "/mutate-approvals-tollgate-dev-v1alpha1-approvalrequest"
	DecisionPath      = "/mutate-approvals-tollgate-dev-v1alpha1-approverdecision"
	RequestGuardPath  = "/validate-approvals-tollgate-dev-v1alpha1-approvalrequest"
	DecisionGuardPath = "/validate-approvals-tollgate-dev-v1alpha1-approverdecision"
	StatusPath        = "/validate-approvals-tollgate-dev-v1alpha1-status"
)

// +kubebuilder:webhook:path=/mutate-approvals-tollgate-dev-v1alpha1-approvalrequest,mutating=true,failurePolicy=fail,sideEffects=None,groups=approvals.tollgate.dev,resources=approvalrequests,verbs=create;update,versions=v1alpha1,name=mapprovalrequest-v1alpha1.tollgate.dev,admissionReviewVersions=v1,reinvocationPolicy=IfNeeded,timeoutSeconds=10
// +kubebuilder:webhook:path=/mutate-approvals-tollgate-dev-v1alpha1-approverdecision,mutating=true,failurePolicy=fail,sideEffects=None,groups=approvals.tollgate.dev,resources=approverdecisions,verbs=create,versions=v1alpha1,name=mapproverdecision-v1alpha1.tollgate.dev,admissionReviewVersions=v1,reinvocationPolicy=IfNeeded,timeoutSeconds=10
// +kubebuilder:webhook:path=/validate-approvals-tollgate-dev-v1alpha1-approvalrequest,mutating=false,failurePolicy=fail,sideEffects=None,groups=approvals.tollgate.dev,resources=approvalrequests,verbs=create;update;delete,versions=v1alpha1,name=vapprovalrequest-v1alpha1.tollgate.dev,admissionReviewVersions=v1,timeoutSeconds=10
// +kubebuilder:webhook:path=/validate-approvals-tollgate-dev-v1alpha1-approverdecision,mutating=false,failurePolicy=fail,sideEffects=None,groups=approvals.tollgate.dev,resources=approverdecisions,verbs=create;update,versions=v1alpha1,name=vapproverdecision-v1alpha1.tollgate.dev,admissionReviewVersions=v1,timeoutSeconds=10
// +kubebuilder:webhook:path=/validate-approvals-tollgate-dev-v1alpha1-status,mutating=false,failurePolicy=fail,sideEffects=None,groups=approvals.tollgate.dev,resources=approvalrequests/status;approverdecisions/status,verbs=update,versions=v1alpha1,name=vstatus-v1alpha1.tollgate.dev,admissionReviewVersions=v1,timeoutSeconds=10

// Options are what the webhooks need.
type Options struct {
	// Checker is the identity check, with the reviewer that asks the cluster for the verb approve.
	Checker *identity.Checker
	// Operator is the user name the operator writes status as; nobody else may.
	Operator string
	// Reader reads requests uncached: admission must see the latest ledger.
	Reader client.Reader
	// Decisions lists ApproverDecisions (one person counts once, also before the controller
	// recorded their first decision): the manager's cache, where an uncached LIST is one more
	// request per decision and a consistent read, which waits for kube-apiserver's watch cache
	// to catch up with etcd (28 ms at the median while other writes to the request were in
	// flight, 2-6 ms per admission otherwise, in make bench). A decision admitted within the
	// cache's lag of another by the same person is signed too, and the ledger refuses it
	// (AlreadyCounted): the ledger counts a person once whatever the webhook saw. Until the
	// cache has started, Reader serves.
	Decisions client.Reader
	Clock     clock.PassiveClock
	// Enforcement says which namespaces require policies where their label does not say
	// (--policy-enforcement; the zero value: only those labelled so).
	Enforcement approval.Enforcement
}

func (o Options) validate() error {
	if o.Checker == nil || o.Checker.Reviewer == nil || o.Reader == nil || o.Decisions == nil || o.Clock == nil {
		return errors.New("the webhooks need a Checker with a reviewer, a Reader, a Decisions reader and a Clock")
	}
	if o.Enforcement != "" {
		if _, err := approval.ParseEnforcement(string(o.Enforcement)); err != nil {
			return err
		}
	}
	if o.Operator == "" {
		return errors.New("the webhooks need the operator's user name (the only identity that writes status)")
	}
	return nil
}

// SetupWebhooksWithManager serves the webhooks on the manager's webhook server.
func SetupWebhooksWithManager(mgr ctrl.Manager, o Options) error {
	if err := o.validate(); err != nil {
		return err
	}
	decoder := admission.NewDecoder(mgr.GetScheme())
	srv := mgr.GetWebhookServer()
	srv.Register(RequestPath, &admission.Webhook{Handler: &RequestAdmission{Options: o, decoder: decoder}})
	srv.Register(DecisionPath, &admission.Webhook{Handler: &DecisionAdmission{Options: o, decoder: decoder}})
	srv.Register(RequestGuardPath, &admission.Webhook{Handler: &RequestGuard{Options: o, decoder: decoder}})
	srv.Register(DecisionGuardPath, &admission.Webhook{Handler: &DecisionGuard{Options: o, decoder: decoder}})
	srv.Register(StatusPath, &admission.Webhook{Handler: &StatusAdmission{Options: o, decoder: decoder}})
	return nil
}
