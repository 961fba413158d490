package plugin

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// What describe says became of a delivery, from its record alone.
func TestNotificationOutcome(t *testing.T) {
	next := metav1.NewTime(time.Date(2026, 12, 4, 17, 23, 2, 0, time.UTC))
	for _, c := range []struct {
		name string
		rec  v1.NotificationRecord
		want string
	}{
		{"delivered", v1.NotificationRecord{Attempts: 1}, "delivered"},
		{"an attempt in flight, a retry after it", v1.NotificationRecord{Attempts: 1, Failure: v1.NotificationInFlight, NextAttemptAt: &next},
			"in flight (outcome not recorded); tried again from 2026-12-04T17:23:02Z if it is not recorded by then"},
		{"the last attempt in flight: nothing is abandoned yet", v1.NotificationRecord{Attempts: 10, Failure: v1.NotificationInFlight},
			"in flight (outcome not recorded); the last attempt"},
		{"failed, a retry to come", v1.NotificationRecord{Attempts: 2, Failure: "503 Service Unavailable", NextAttemptAt: &next},
			"failed: 503 Service Unavailable; next attempt 2026-12-04T17:23:02Z"},
		{"failed, the last attempt", v1.NotificationRecord{Attempts: 10, Failure: "503 Service Unavailable"}, "abandoned: 503 Service Unavailable"},
	} {
		if got := (notificationView{NotificationRecord: c.rec}).outcome(); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
