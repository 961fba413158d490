package notifier

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
	"github.com/tollgate-dev/tollgate/internal/notify"
)

// DefaultWorkers is how many requests the watcher notifies about at once.
const DefaultWorkers = 4

// Gather is how long after a change of a request the watcher looks at it. A request's task
// tokens arrive together (one per slot, each its own status write) just as its execution's start
// is recorded: one pass after them writes one claim and one record for all its slots, instead of
// two writes per token racing the router's and the reconciler's writes of the same status.
const Gather = 200 * time.Millisecond

// Watcher watches ApprovalRequests and notifies about them (see the package doc): a controller
// of its own beside the reconciler, with its own workqueue and workers, so that a slow or
// failing channel holds up nothing but other notifications.
type Watcher struct {
	// Client reads requests, the administrators' objects and namespaces from the manager's
	// cache, and writes status through the ledger; Reader reads uncached (the ledger's reads
	// before a write).
	Client client.Client
	Reader client.Reader
	Events events.EventRecorder
	// Clock is the notifier's time: attempts, records and the wake-ups for retries.
	Clock clock.WithDelayedExecution
	// Notifier sends; its Schedule says when failed attempts are retried.
	Notifier *notify.Notifier
	// Requester names who created a request, as admission recorded it ("" when no record
	// verifies): the person an end is told to.
	Requester func(*v1.ApprovalRequest) string
	// OperatorNamespace holds the Secrets of ClusterNotificationConfigs.
	OperatorNamespace string
	// Workers bounds the requests notified about at once (DefaultWorkers when 0); each attempt
	// is bounded by the Notifier's timeout.
	Workers int

	wake *wakeups
}

// +kubebuilder:rbac:groups=approvals.tollgate.dev,resources=notificationconfigs;clusternotificationconfigs,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch

// SetupWithManager registers the watcher as a controller of its own, on requests (Gather after
// each change), on the administrators' objects, and on the wake-ups its clock fires when a
// retry falls due. Like every controller it runs on the leader
// only: one manager notifies.
// specChanged lets through a config's creation, deletion and spec changes: not its status.
var specChanged = builder.WithPredicates(predicate.GenerationChangedPredicate{})

func (w *Watcher) SetupWithManager(mgr ctrl.Manager) error {
	w.wake = newWakeups(w.Clock)
	workers := w.Workers
	if workers <= 0 {
		workers = DefaultWorkers
	}
	if err := mgr.Add(manager.RunnableFunc(w.wake.stop)); err != nil {
		return fmt.Errorf("adding the notifier's wake-ups: %w", err)
	}
	return ctrl.NewControllerManagedBy(mgr).
		Watches(&v1.ApprovalRequest{}, gathered()).
		// A config's spec routes requests; its status (the readiness checker's) does not.
		Watches(&v1.NotificationConfig{}, handler.EnqueueRequestsFromMapFunc(w.routed), specChanged).
		Watches(&v1.ClusterNotificationConfig{}, handler.EnqueueRequestsFromMapFunc(w.routed), specChanged).
		WatchesRawSource(source.Channel(w.wake.events, &handler.EnqueueRequestForObject{})).
		Named("notifier").
		WithOptions(controller.Options{MaxConcurrentReconciles: workers}).
		Complete(w)
}

// gathered queues a request Gather after each change of it (changes meanwhile are one pass).
func gathered() handler.EventHandler {
	later := func(o client.Object, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
		q.AddAfter(reconcile.Request{NamespacedName: client.ObjectKeyFromObject(o)}, Gather)
	}
	return handler.Funcs{
		CreateFunc: func(_ context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			later(e.Object, q)
		},
		UpdateFunc: func(_ context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			later(e.ObjectNew, q)
		},
		DeleteFunc: func(_ context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			later(e.Object, q) // the pass finds it gone and drops its wake-up
		},
	}
}

// routed are the requests an administrator's object may route (a NotificationConfig's
// namespace's, every namespace's for a ClusterNotificationConfig) that have a notification due:
// a channel defined or changed reaches the slots still open.
func (w *Watcher) routed(ctx context.Context, o client.Object) []reconcile.Request {
	list := &v1.ApprovalRequestList{}
	if err := w.Client.List(ctx, list, client.InNamespace(o.GetNamespace())); err != nil {
		return nil
	}
	now := w.Clock.Now()
	var out []reconcile.Request
	for i := range list.Items {
		if obj := &list.Items[i]; len(notices(obj, "", now)) > 0 {
			out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(obj)})
		}
	}
	return out
}

// Reconcile makes one pass over a request: plan, claim, send, record, wake (see the package
// doc). It reads only status fields the ledger writes.
func (w *Watcher) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	obj := &v1.ApprovalRequest{}
	if err := w.Client.Get(ctx, req.NamespacedName, obj); err != nil {
		w.wake.at(req.NamespacedName, time.Time{})
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	now := w.Clock.Now()
	due := notices(obj, w.requesterOf(obj), now)
	if len(due) == 0 {
		w.wake.at(req.NamespacedName, time.Time{})
		return ctrl.Result{}, nil
	}
	configs, err := w.configs(ctx, obj.Namespace)
	if err != nil {
		return ctrl.Result{}, err
	}
	route := approval.RouteOf(obj)
	plans := make([]plan, 0, len(due))
	for _, n := range due {
		plans = append(plans, planOf(n, route, configs, w.Notifier.Schedule, now))
	}
	next, err := w.carryOut(ctx, obj, plans)
	w.wake.at(req.NamespacedName, next)
	return ctrl.Result{}, err
}

func (w *Watcher) requesterOf(obj *v1.ApprovalRequest) string {
	if w.Requester == nil {
		return ""
	}
	return w.Requester(obj)
}

// configs are the administrators' objects that may route namespace's requests, from the cache.
// The namespace's labels are read only when a ClusterNotificationConfig may select by them.
func (w *Watcher) configs(ctx context.Context, namespace string) (notify.Configs, error) {
	c := notify.Configs{Namespace: namespace, OperatorNamespace: w.OperatorNamespace}
	local := &v1.NotificationConfigList{}
	if err := w.Client.List(ctx, local, client.InNamespace(namespace)); err != nil {
		return c, fmt.Errorf("listing the NotificationConfigs of %s: %w", namespace, err)
	}
	central := &v1.ClusterNotificationConfigList{}
	if err := w.Client.List(ctx, central); err != nil {
		return c, fmt.Errorf("listing the ClusterNotificationConfigs: %w", err)
	}
	c.Namespaced, c.Cluster = local.Items, central.Items
	if len(central.Items) > 0 {
		ns := &corev1.Namespace{}
		if err := w.Client.Get(ctx, client.ObjectKey{Name: namespace}, ns); err != nil {
			return c, fmt.Errorf("reading the labels of namespace %s: %w", namespace, err)
		}
		c.Labels = ns.Labels
	}
	return c, nil
}
