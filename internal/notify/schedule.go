package notify

import (
	"hash/fnv"
	"strconv"
	"time"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// Schedule says when a failed delivery is tried again: after First, doubling up to Max, for at
// most Attempts attempts in all. Each delay has "equal jitter" (half fixed, half spread), drawn
// from the delivery's identity rather than at random, so that deliveries failing together (a
// mail server down) are spread out, and a restart computes the same times again.
type Schedule struct {
	First, Max time.Duration
	Attempts   int
	// InFlight is the least wait before an attempt whose outcome was never recorded is tried
	// again: the attempt's bound and the time to record its outcome. A manager that stopped
	// (or lost its lease) while it sent may still be sending; the next must not send too.
	InFlight time.Duration
}

// DefaultSchedule tries ten times over about two and a half hours: 30s, 1m, 2m, ... 30m apart.
var DefaultSchedule = Schedule{First: 30 * time.Second, Max: 30 * time.Minute, Attempts: 10}

// OutcomeGrace is the time allowed, after an attempt's bound, to record its outcome.
const OutcomeGrace = 10 * time.Second

// ScheduleFor is DefaultSchedule for attempts bounded by timeout.
func ScheduleFor(timeout time.Duration) Schedule {
	s := DefaultSchedule
	s.InFlight = timeout + OutcomeGrace
	return s
}

// Retry is when the attempt after attempts failed ones (the last at last) is due, for the
// delivery key names (its message's ID at its destination); false when no attempt follows.
func (s Schedule) Retry(key string, attempts int, last time.Time) (time.Time, bool) {
	if attempts >= s.Attempts {
		return time.Time{}, false
	}
	d := s.First << min(max(attempts-1, 0), 30)
	if d > s.Max || d <= 0 {
		d = s.Max
	}
	half := d / 2
	h := fnv.New64a()
	_, _ = h.Write([]byte(key + "#" + strconv.Itoa(attempts)))
	return last.Add(half + time.Duration(h.Sum64()%uint64(d-half+1))), true
}

// AttemptInFlight is the failure the caller records before an attempt, replaced by the attempt's
// result: found after a restart, it means the outcome is unknown, and the delivery waits for
// its retry's time instead of going out again at once.
const AttemptInFlight = v1.NotificationInFlight

// Record is what is recorded of a delivery: the ledger keeps one per slot (or per request, for
// its end), route and channel.
type Record struct {
	Route, Channel string
	// At is when the last attempt started; Attempts how many were made.
	At       time.Time
	Attempts int
	// Failure is why the last attempt failed, AttemptInFlight, or "" once it was delivered.
	Failure string
}

// Delivery is a destination to attempt, and how many attempts it had.
type Delivery struct {
	Destination
	Attempts int
}

// Due are the destinations to attempt at now, given what was recorded of them: those never
// attempted, and those whose retry is due. Delivered ones and those out of attempts are done.
// next is when the earliest of the others falls due (zero when none will).
func (s Schedule) Due(dests []Destination, records []Record, now time.Time) (due []Delivery, next time.Time) {
	for _, d := range dests {
		var rec *Record
		for i := range records {
			if records[i].Route == d.Route && records[i].Channel == d.Channel {
				rec = &records[i]
			}
		}
		switch {
		case rec == nil || rec.Attempts == 0:
			due = append(due, Delivery{Destination: d})
		case rec.Failure == "":
			// Delivered.
		default:
			at, ok := s.retryOf(d.ID, *rec)
			switch {
			case !ok:
			case !at.After(now):
				due = append(due, Delivery{Destination: d, Attempts: rec.Attempts})
			case next.IsZero() || at.Before(next):
				next = at
			}
		}
	}
	return due, next
}

// Claim is what the caller records of an attempt at d about to start at at, before making it:
// the attempt counted, failure AttemptInFlight; and when its retry is due should its outcome
// never be recorded (zero when it is the last attempt, and none follows).
func (s Schedule) Claim(d Delivery, at time.Time) (Record, time.Time) {
	rec := Record{Route: d.Route, Channel: d.Channel, At: at, Attempts: d.Attempts + 1, Failure: AttemptInFlight}
	retry, _ := s.retryOf(d.ID, rec)
	return rec, retry
}

// retryOf is when the attempt after rec is due: Retry, counted for an attempt still in flight
// from when it may last be under way (InFlight after it started), its jitter kept.
func (s Schedule) retryOf(key string, rec Record) (time.Time, bool) {
	last := rec.At
	if rec.Failure == AttemptInFlight {
		last = last.Add(s.InFlight)
	}
	return s.Retry(key, rec.Attempts, last)
}
