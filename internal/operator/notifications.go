package operator

import (
	"flag"
	"fmt"
	"time"

	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/identity"
	"github.com/tollgate-dev/tollgate/internal/notifier"
	"github.com/tollgate-dev/tollgate/internal/notify"
)

// NotificationOptions configure the notifier (internal/notifier): who is told what, through the
// channels administrators define.
type NotificationOptions struct {
	// Disabled: the manager sends no notification. What status records stays; a manager with
	// notifications on sends what is due then (an open slot not yet told, a recent end).
	Disabled bool
	// Workers bounds the requests notified about at once; Timeout each attempt.
	Workers int
	Timeout time.Duration
	// ConfigRecheck is how often each config's Secrets are checked again when it did not change.
	ConfigRecheck time.Duration
	// Clock is the notifier's time (nil: the real one; tests step a fake one to reach retries).
	Clock clock.WithDelayedExecution
}

func (o *NotificationOptions) bindFlags(fs *flag.FlagSet) {
	fs.BoolVar(&o.Disabled, "disable-notifications", false,
		"Send no notifications (NotificationConfig, ClusterNotificationConfig). A manager started later with them on sends what is then due.")
	fs.IntVar(&o.Workers, "notification-workers", notifier.DefaultWorkers,
		"How many requests are notified about at once; decisions never wait for them (the notifier has its own workers).")
	fs.DurationVar(&o.Timeout, "notification-timeout", notify.DefaultTimeout,
		"Bound of one notification attempt (SMTP or webhook), from the dial to the answer; a failed attempt is retried with backoff.")
	fs.DurationVar(&o.ConfigRecheck, "notification-config-recheck", notifier.DefaultConfigRecheck,
		"How often the Secrets of each NotificationConfig and ClusterNotificationConfig are checked again (their Ready condition): a grant or a Secret fixed later is seen then.")
}

// setupNotifier adds the notifier, and the checker of its configs' Secrets, beside the
// reconciler, unless notifications are disabled.
func setupNotifier(mgr ctrl.Manager, cfg *Config, checker *identity.Checker) error {
	o := cfg.Notifications
	if o.Disabled {
		return nil
	}
	c := o.Clock
	if c == nil {
		c = clock.RealClock{}
	}
	secrets := notifier.APISecrets{Reader: mgr.GetAPIReader()}
	w := &notifier.Watcher{
		Client: mgr.GetClient(), Reader: mgr.GetAPIReader(), Events: mgr.GetEventRecorder("tollgate"), Clock: c,
		Notifier: &notify.Notifier{
			Secrets: secrets, Clock: c, Schedule: notify.ScheduleFor(o.Timeout), Timeout: o.Timeout,
		},
		Requester: func(obj *v1.ApprovalRequest) string {
			u, err := checker.Records.RequesterOf(obj)
			if err != nil {
				return "" // no verified requester: no one is told the end by e-mail
			}
			return u.Username
		},
		OperatorNamespace: cfg.Identity.Namespace, Workers: o.Workers,
	}
	if err := w.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the notifier: %w", err)
	}
	configs := &notifier.ConfigChecker{
		Client: mgr.GetClient(), Access: notifier.APIAccess{Client: mgr.GetClient()}, Secrets: secrets, Clock: c,
		Recheck: o.ConfigRecheck, OperatorNamespace: cfg.Identity.Namespace,
	}
	if err := configs.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the notification config checker: %w", err)
	}
	return nil
}
