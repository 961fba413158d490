package notifier

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/source"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/ledger"
	"github.com/tollgate-dev/tollgate/internal/notify"
)

// DefaultConfigRecheck is how often the config checker checks a config again when nothing about
// it changed.
const DefaultConfigRecheck = 5 * time.Minute

// ConfigChecker keeps the Ready condition of each NotificationConfig and
// ClusterNotificationConfig: whether the manager can use every Secret its channels name, found
// before any request needs them. It checks as the manager itself (a SelfSubjectAccessReview, then
// the uncached read the sends make), when a config is created or its spec changes and again
// every Recheck by its clock: it watches neither Secrets nor RBAC (the manager may list
// neither), so a grant or a Secret fixed later is seen at the next check. A controller of its
// own beside the watcher; like it, on the leader only.
type ConfigChecker struct {
	// Client reads configs from the manager's cache and writes their status through the ledger.
	Client  client.Client
	Access  SecretAccess
	Secrets notify.SecretReader
	Clock   clock.WithDelayedExecution
	// Recheck is the period of the checks of a config that did not change (DefaultConfigRecheck
	// when 0).
	Recheck time.Duration
	// OperatorNamespace holds the Secrets of ClusterNotificationConfigs.
	OperatorNamespace string

	wake *wakeups
}

// +kubebuilder:rbac:groups=approvals.tollgate.dev,resources=notificationconfigs/status;clusternotificationconfigs/status,verbs=patch
// +kubebuilder:rbac:groups=authorization.k8s.io,resources=selfsubjectaccessreviews,verbs=create

// SetupWithManager registers the checker on both kinds (a key with a namespace is a
// NotificationConfig's, one without a ClusterNotificationConfig's) and on its rechecks. Status
// writes change no generation: its own writes do not queue a config again.
func (c *ConfigChecker) SetupWithManager(mgr ctrl.Manager) error {
	c.wake = newWakeups(c.Clock)
	if err := mgr.Add(manager.RunnableFunc(c.wake.stop)); err != nil {
		return fmt.Errorf("adding the config checker's rechecks: %w", err)
	}
	return ctrl.NewControllerManagedBy(mgr).
		Watches(&v1.NotificationConfig{}, &handler.EnqueueRequestForObject{}, specChanged).
		Watches(&v1.ClusterNotificationConfig{}, &handler.EnqueueRequestForObject{}, specChanged).
		WatchesRawSource(source.Channel(c.wake.events, &handler.EnqueueRequestForObject{})).
		Named("notificationconfigs").
		Complete(c)
}

// Reconcile checks one config and writes its Ready condition when the finding changed.
func (c *ConfigChecker) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	obj, channels, namespace := c.configOf(req.NamespacedName)
	if err := c.Client.Get(ctx, req.NamespacedName, obj); err != nil {
		c.wake.at(req.NamespacedName, time.Time{})
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	now := c.Clock.Now()
	// The next check is set before this one's finding is written: a clock stepped by whoever saw
	// the finding reaches it.
	c.wake.at(req.NamespacedName, now.Add(c.recheck()))
	r, err := checkChannels(ctx, *channels, namespace, c.Access, c.Secrets)
	if err != nil {
		return ctrl.Result{}, fmt.Errorf("checking the Secrets of %s: %w", req.NamespacedName, err)
	}
	cond := metav1.Condition{Type: v1.ConditionReady, Status: metav1.ConditionFalse, Reason: r.reason, Message: r.message,
		ObservedGeneration: obj.GetGeneration(), LastTransitionTime: metav1.NewTime(now)}
	if r.ready {
		cond.Status = metav1.ConditionTrue
	}
	return ctrl.Result{}, ledger.SetConfigCondition(ctx, c.Client, obj, cond)
}

// configOf is the object a key names, where its channels will be once read, and the namespace
// its Secrets are in.
func (c *ConfigChecker) configOf(key client.ObjectKey) (client.Object, *[]v1.NotificationChannel, string) {
	if key.Namespace == "" {
		obj := &v1.ClusterNotificationConfig{}
		return obj, &obj.Spec.Channels, c.OperatorNamespace
	}
	obj := &v1.NotificationConfig{}
	return obj, &obj.Spec.Channels, key.Namespace
}

func (c *ConfigChecker) recheck() time.Duration {
	if c.Recheck <= 0 {
		return DefaultConfigRecheck
	}
	return c.Recheck
}
