package notifier

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// The events say what the notifier did, for people (`kubectl describe`, `kubectl get events`).
// It never reads them back: status is its record. Their text holds channel names, user and
// group names, and failures with every secret value taken out (internal/notify): never a token
// or a secret. A failure may name the address a server refused ("RCPT TO <alice@…>: 550 …"),
// as the status record of it does: the administrators who fix it need to know which, and the
// addresses are their recipients' working addresses, not a credential.

// eventAction is the action of the notifier's events.
const eventAction = "Notify"

// maxNote keeps an event's note under the API's limit (1 kB for events.k8s.io/v1).
const maxNote = 1000

// about names who a notice tells.
func (p plan) about() string {
	if p.slot == "" {
		return "the end, to the requester"
	}
	return "slot " + p.slot + "'s people"
}

// announce reports a pass's attempts: one event for what went out, and one for each failure.
func (w *Watcher) announce(obj *v1.ApprovalRequest, sending []sendingPlan) {
	var told []string
	for _, s := range sending {
		var sent []string
		for _, r := range s.results {
			if r.Failure == "" {
				sent = append(sent, fmt.Sprintf("%s (%s)", r.Channel, r.Type))
				continue
			}
			then := "abandoned: no attempt follows"
			if !r.Retry.IsZero() {
				then = "tried again at " + r.Retry.UTC().Format(time.RFC3339)
			}
			w.event(obj, corev1.EventTypeWarning, v1.ReasonNotificationFailed, "%s through %s (%s), attempt %d: %s; %s",
				s.about(), r.Channel, r.Type, r.Attempts, r.Failure, then)
		}
		if len(sent) > 0 {
			told = append(told, s.about()+" through "+strings.Join(sent, ", "))
		}
	}
	if len(told) > 0 {
		w.event(obj, corev1.EventTypeNormal, v1.ReasonNotified, "told %s", strings.Join(told, "; "))
	}
}

// unreached reports who or what a notice's channels could not reach or use, while nothing is
// recorded of the notice: with its first attempts, or on each pass while none can be made (no
// channel reaches anyone it concerns).
func (w *Watcher) unreached(obj *v1.ApprovalRequest, p plan) {
	if len(p.records) == 0 && len(p.unreached) > 0 {
		w.event(obj, corev1.EventTypeWarning, v1.ReasonNotificationUnreached, "%s: not reached by %s", p.about(), strings.Join(p.unreached, "; "))
	}
}

// unrouted reports that the route the request picked is defined by no object.
func (w *Watcher) unrouted(obj *v1.ApprovalRequest, p plan) {
	then := "no attempt follows"
	if next := p.unrouted.Record.NextAttemptAt; next != nil {
		then = "looked up again at " + next.UTC().Format(time.RFC3339)
	}
	w.event(obj, corev1.EventTypeWarning, v1.ReasonNotificationRouteUnknown, "%s: %s; %s", p.about(), p.unrouted.Record.Failure, then)
}

func (w *Watcher) event(obj *v1.ApprovalRequest, kind, reason, format string, args ...any) {
	note := fmt.Sprintf(format, args...)
	if len(note) > maxNote {
		note = strings.ToValidUTF8(note[:maxNote-len("…")], "") + "…"
	}
	w.Events.Eventf(obj, nil, kind, reason, eventAction, "%s", note)
}
