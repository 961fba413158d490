package plugin

import (
	"fmt"
	"io"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// notificationView is one delivery of a notification, as the operator's notifier recorded it
// in status: a slot's people told their decision is needed, or the requester told the end.
type notificationView struct {
	// Slot is the slot whose people were told; empty for the end, told to the requester.
	Slot string `json:"slot,omitempty"`
	v1.NotificationRecord
}

// notificationsOf are a request's recorded notifications: each slot's, then the end's.
func notificationsOf(req *v1.ApprovalRequest) []notificationView {
	out := []notificationView{}
	for _, s := range readingOf(req).Slots {
		for _, r := range s.Status.Notified {
			out = append(out, notificationView{Slot: s.Name, NotificationRecord: r})
		}
	}
	for _, r := range req.Status.EndNotified {
		out = append(out, notificationView{NotificationRecord: r})
	}
	return out
}

// outcome says what became of a delivery, in words.
func (n notificationView) outcome() string {
	switch {
	case n.Failure == "":
		return "delivered"
	case n.Failure == v1.NotificationInFlight && n.NextAttemptAt != nil:
		return "in flight (outcome not recorded); tried again from " + timestamp(n.NextAttemptAt) + " if it is not recorded by then"
	case n.Failure == v1.NotificationInFlight:
		return "in flight (outcome not recorded); the last attempt"
	case n.NextAttemptAt != nil:
		return fmt.Sprintf("failed: %s; next attempt %s", abbreviate(n.Failure), timestamp(n.NextAttemptAt))
	}
	return "abandoned: " + abbreviate(n.Failure)
}

func printNotifications(w io.Writer, notifications []notificationView) error {
	if len(notifications) == 0 {
		return printNone(w)
	}
	t := newIndentedTable(w, indent, "FOR", "ROUTE", "CHANNEL", "LAST ATTEMPT", "ATTEMPTS", "OUTCOME")
	for _, n := range notifications {
		who := "slot " + n.Slot
		if n.Slot == "" {
			who = "the end (requester)"
		}
		t.row(who, n.Route, n.Channel, timestamp(&n.At), fmt.Sprint(n.Attempts), n.outcome())
	}
	return t.flush()
}
