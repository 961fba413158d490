package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Results of a notification attempt.
const (
	// NotificationSent: the channel took the notification (the SMTP server queued the mail, the
	// webhook answered 2xx).
	NotificationSent = "sent"
	// NotificationFailed: the attempt failed and another follows.
	NotificationFailed = "failed"
	// NotificationAbandoned: the attempt failed and none follows (out of attempts).
	NotificationAbandoned = "abandoned"
)

var notifications = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "tollgate_notifications_total",
	Help: "Notification attempts by channel (email, webhook) and result: sent, failed (another attempt follows) or abandoned (none follows).",
}, []string{"channel", "result"})

func init() {
	metrics.Registry.MustRegister(notifications)
}

// Notification counts one attempt to notify through a channel.
func Notification(channel, result string) {
	notifications.WithLabelValues(channel, result).Inc()
}
