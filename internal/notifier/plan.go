package notifier

import (
	"errors"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
	"github.com/tollgate-dev/tollgate/internal/identity"
	"github.com/tollgate-dev/tollgate/internal/ledger"
	"github.com/tollgate-dev/tollgate/internal/notify"
)

// EndHorizon is how long after its end a request's requester is still told of it. A manager
// that starts later (or an administrator who configures notifications later) finds the end to be
// history, not news, and sends nothing for it; an open slot is news for as long as it waits.
const EndHorizon = 24 * time.Hour

// notice is one notification due on a request: a slot's people told their decision waits
// (slot), or the requester told the request ended (slot "").
type notice struct {
	slot string
	msg  notify.Message
	// records are what status holds of its deliveries.
	records []v1.NotificationRecord
}

// notices are the notifications due on obj at now: each slot whose token is held and which is
// undecided while the request has not ended, and the end within EndHorizon — once the verified
// ledger supports it (an Approved, Rejected or Expired end), or for an end only the execution
// decides (Failed, Aborted): a status that claims a verdict its ledger does not hold (written by
// whoever acts as the operator) tells the requester nothing, as the operator takes it back.
func notices(obj *v1.ApprovalRequest, requester string, now time.Time) []notice {
	var out []notice
	for _, s := range obj.Status.Approvers {
		if !ledger.Due(obj, s.Name) {
			continue
		}
		m, err := notify.Waiting(obj, s.Name, requester, s.TokenReceivedAt.Time)
		if err != nil {
			continue // a status entry of no slot of the spec: nobody to tell
		}
		out = append(out, notice{slot: s.Name, msg: m, records: s.Notified})
	}
	if e := obj.Status.Ended; ledger.Due(obj, "") && now.Sub(e.At.Time) <= EndHorizon && supported(obj, now) {
		out = append(out, notice{msg: notify.Ended(obj, requester, e.Reason, e.At.Time), records: obj.Status.EndNotified})
	}
	return out
}

// supported reports whether the request's end is one to tell (see notices).
func supported(obj *v1.ApprovalRequest, now time.Time) bool {
	err := identity.SupportsEnd(obj, now)
	return err == nil || errors.Is(err, approval.ErrExecutionDecides)
}

// plan is what a pass does about a notice.
type plan struct {
	notice
	// deliveries are the attempts to make, claims their records written before.
	deliveries []notify.Delivery
	claims     []ledger.Note
	// unrouted records that the route the request picked reached no channel.
	unrouted *ledger.Note
	// unreached say who or what could not be reached or used, for a Warning event.
	unreached []string
	// next is when the earliest attempt that is not due now falls due (zero: none).
	next time.Time
}

// planOf plans a notice at now: its destinations by route under the administrators' objects,
// the attempts due among them (never attempted, or a retry whose time has come) and their
// claims.
func planOf(n notice, route string, configs notify.Configs, s notify.Schedule, now time.Time) plan {
	p := plan{notice: n}
	res, err := notify.Resolve(n.msg, route, configs)
	if errors.Is(err, notify.ErrNoRoute) {
		p.planUnrouted(route, err, s, now)
		return p
	}
	p.unreached = append(res.Unreached, res.Problems...)
	dests := p.room(res.Destinations)
	due, next := s.Due(dests, stored(n.records), now)
	p.next = next
	for _, d := range due {
		rec, retry := s.Claim(d, now)
		p.deliveries = append(p.deliveries, d)
		p.claims = append(p.claims, ledger.Note{Slot: n.slot, After: int32(d.Attempts), Record: recordOf(rec, retry)})
	}
	return p
}

// room keeps the destinations status has room to record: those it records already, and new ones
// while it holds fewer than ledger.MaxNotificationRecords (a write beyond would be refused
// whole). The others are reported.
func (p *plan) room(dests []notify.Destination) []notify.Destination {
	free := ledger.MaxNotificationRecords - len(p.records)
	var kept []notify.Destination
	for _, d := range dests {
		if recorded(p.records, d.Route, d.Channel) == nil {
			if free <= 0 {
				p.unreached = append(p.unreached, fmt.Sprintf("%s: not sent, a notification records at most %d channels", d.Channel, ledger.MaxNotificationRecords))
				continue
			}
			free--
		}
		kept = append(kept, d)
	}
	return kept
}

// planUnrouted records, on the schedule of a failing delivery, that the route the request
// picked is defined by no object: each retry resolves the route again, so an administrator who
// defines it is heard.
func (p *plan) planUnrouted(route string, why error, s notify.Schedule, now time.Time) {
	d := notify.Destination{Route: route, Channel: v1.NotificationNoChannel}
	due, next := s.Due([]notify.Destination{d}, stored(p.records), now)
	p.next = next
	if len(due) == 0 {
		return
	}
	rec, retry := s.Claim(due[0], now)
	rec.Failure = why.Error()
	p.unrouted = &ledger.Note{Slot: p.slot, After: int32(due[0].Attempts), Record: recordOf(rec, retry)}
}

// outcome is the record of an attempt's result, replacing its claim.
func outcome(slot string, r notify.Result) ledger.Note {
	rec := recordOf(r.Record(), r.Retry)
	return ledger.Note{Slot: slot, After: rec.Attempts, Record: rec}
}

// recordOf is a delivery's record as status keeps it.
func recordOf(r notify.Record, retry time.Time) v1.NotificationRecord {
	rec := v1.NotificationRecord{Route: r.Route, Channel: r.Channel, At: metav1.NewTime(r.At), Attempts: int32(r.Attempts), Failure: r.Failure}
	if !retry.IsZero() {
		next := metav1.NewTime(retry)
		rec.NextAttemptAt = &next
	}
	return rec
}

// stored are status's records as the schedule reads them.
func stored(records []v1.NotificationRecord) []notify.Record {
	out := make([]notify.Record, 0, len(records))
	for _, r := range records {
		out = append(out, notify.Record{Route: r.Route, Channel: r.Channel, At: r.At.Time, Attempts: int(r.Attempts), Failure: r.Failure})
	}
	return out
}

// recorded is the record of a route and channel (nil: none).
func recorded(records []v1.NotificationRecord, route, channel string) *v1.NotificationRecord {
	for i := range records {
		if records[i].Route == route && records[i].Channel == channel {
			return &records[i]
		}
	}
	return nil
}

// earliest is the earlier of two times, zero standing for none.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}
