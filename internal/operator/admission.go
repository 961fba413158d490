package operator

import (
	"context"
	"fmt"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/tollgate-dev/tollgate/internal/admission"
)

// +kubebuilder:rbac:groups=admissionregistration.k8s.io,resources=mutatingwebhookconfigurations;validatingwebhookconfigurations,verbs=get;list;watch
// +kubebuilder:rbac:groups=approvals.tollgate.dev,namespace=system,resources=approvalrequests;approverdecisions,verbs=create

// admissionMonitor starts following tollgate's admission: the configurations as they are now
// (read before the manager starts), their changes, and a probe in the operator's namespace
// (none without --namespace). It adds the monitor to mgr. No readiness check follows it: the
// webhooks are served by the same pods, and a pod that is not ready gets no webhook calls.
func (c *Config) admissionMonitor(ctx context.Context, mgr ctrl.Manager) (*admission.Monitor, error) {
	m := &admission.Monitor{
		Reader: mgr.GetAPIReader(), Cache: mgr.GetCache(), Log: ctrl.Log.WithName("admission"),
		ProbeInterval: orDefaultDuration(c.AdmissionProbeInterval, 5*time.Minute),
	}
	if c.Identity.Namespace != "" {
		m.Probe = &admission.Probe{Client: mgr.GetClient(), Namespace: c.Identity.Namespace}
	}
	if err := m.Seed(ctx); err != nil {
		return nil, fmt.Errorf("reading tollgate's admission configuration: %w", err)
	}
	if err := mgr.Add(m); err != nil {
		return nil, fmt.Errorf("adding the admission monitor: %w", err)
	}
	return m, nil
}

// orDefaultDuration is d, or def when d is not set.
func orDefaultDuration(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
