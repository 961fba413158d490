package notify

import (
	"fmt"
	"testing"
	"time"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

func TestScheduleRetry(t *testing.T) {
	s := Schedule{First: 30 * time.Second, Max: 30 * time.Minute, Attempts: 10}
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		attempts int
		min, max time.Duration
	}{
		{1, 15 * time.Second, 30 * time.Second},
		{2, 30 * time.Second, time.Minute},
		{3, time.Minute, 2 * time.Minute},
		{6, 8 * time.Minute, 16 * time.Minute},
		{7, 15 * time.Minute, 30 * time.Minute},
		{9, 15 * time.Minute, 30 * time.Minute},
	} {
		at, ok := s.Retry("default/NotificationConfig/team/mail", tc.attempts, t0)
		if !ok {
			t.Fatalf("no retry after %d attempts", tc.attempts)
		}
		if d := at.Sub(t0); d < tc.min || d > tc.max {
			t.Errorf("after %d attempts: retry in %v, want between %v and %v", tc.attempts, d, tc.min, tc.max)
		}
		again, _ := s.Retry("default/NotificationConfig/team/mail", tc.attempts, t0)
		if !again.Equal(at) {
			t.Errorf("after %d attempts: %v, then %v: a restart would compute another time", tc.attempts, at, again)
		}
	}
	if _, ok := s.Retry("k", 10, t0); ok {
		t.Error("a retry after the last attempt")
	}
	// Deliveries failing together spread out.
	a, _ := s.Retry("default/NotificationConfig/team/mail", 5, t0)
	b, _ := s.Retry("default/NotificationConfig/other/mail", 5, t0)
	if a.Equal(b) {
		t.Errorf("two deliveries retry at the same instant %v", a)
	}
}

// Due is what a caller attempts after a restart: what it recorded decides, so nothing is lost
// and nothing goes out twice within a retry's wait.
func TestScheduleDue(t *testing.T) {
	s := Schedule{First: 30 * time.Second, Max: 30 * time.Minute, Attempts: 3}
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	d := Destination{Route: "default", Channel: "NotificationConfig/team/mail", ID: "msg_1"}
	retryAfterOne, _ := s.Retry(d.ID, 1, now.Add(-10*time.Second))
	for _, tc := range []struct {
		name     string
		records  []Record
		attempts []int // of the deliveries due
		next     time.Time
	}{
		{name: "never attempted (a restart before the first record): due now", attempts: []int{0}},
		{name: "an attempt of another route is not this one's", records: []Record{{Route: "urgent", Channel: d.Channel, Attempts: 1, At: now}}, attempts: []int{0}},
		{name: "delivered: never again", records: []Record{{Route: d.Route, Channel: d.Channel, Attempts: 1, At: now.Add(-time.Hour)}}},
		{
			name:    "in flight at a restart: waits for its retry's time, not sent again at once",
			records: []Record{{Route: d.Route, Channel: d.Channel, Attempts: 1, At: now.Add(-10 * time.Second), Failure: AttemptInFlight}},
			next:    retryAfterOne,
		},
		{
			name:     "failed, and its retry is due",
			records:  []Record{{Route: d.Route, Channel: d.Channel, Attempts: 1, At: now.Add(-time.Minute), Failure: "connection refused"}},
			attempts: []int{1},
		},
		{name: "out of attempts: done", records: []Record{{Route: d.Route, Channel: d.Channel, Attempts: 3, At: now.Add(-time.Hour), Failure: "connection refused"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			due, next := s.Due([]Destination{d}, tc.records, now)
			var attempts []int
			for _, x := range due {
				attempts = append(attempts, x.Attempts)
			}
			if len(attempts) != len(tc.attempts) || (len(attempts) == 1 && attempts[0] != tc.attempts[0]) {
				t.Errorf("due with attempts %v, want %v", attempts, tc.attempts)
			}
			if !next.Equal(tc.next) {
				t.Errorf("next %v, want %v", next, tc.next)
			}
		})
	}
}

// A claim found after a restart is due exactly when the claim said its retry would be.
func TestScheduleClaim(t *testing.T) {
	s := Schedule{First: 30 * time.Second, Max: 30 * time.Minute, Attempts: 2}
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	d := Destination{Route: "default", Channel: "NotificationConfig/team/mail"}
	rec, retry := s.Claim(Delivery{Destination: d}, at)
	if rec.Attempts != 1 || rec.Failure != AttemptInFlight || !rec.At.Equal(at) || retry.IsZero() {
		t.Fatalf("the first claim: %+v, retry at %v", rec, retry)
	}
	if due, next := s.Due([]Destination{d}, []Record{rec}, retry.Add(-time.Second)); len(due) != 0 || !next.Equal(retry) {
		t.Errorf("before its retry: due %v, next %v (want none, %v)", due, next, retry)
	}
	if due, _ := s.Due([]Destination{d}, []Record{rec}, retry); len(due) != 1 || due[0].Attempts != 1 {
		t.Errorf("at its retry: due %v, want the second attempt", due)
	}
	if last, retry := s.Claim(Delivery{Destination: d, Attempts: 1}, at); last.Attempts != 2 || !retry.IsZero() {
		t.Errorf("the last claim: %+v, retry at %v (want none)", last, retry)
	}
}

// Deliveries that fail together through one channel (its server down) are spread out: the jitter
// is drawn from each message's identity, not only from the channel all of them share.
func TestSchedule_SpreadsTheMessagesOfOneChannel(t *testing.T) {
	s := DefaultSchedule
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	other := request()
	other.UID = "6f2c1d9e-0000-4000-8000-000000000043"
	configs := Configs{Namespace: "payments", Namespaced: []v1.NotificationConfig{namespaced(v1.NotificationConfigSpec{
		Channels: []v1.NotificationChannel{hookChannel}, Routes: []v1.NotificationRoute{{Name: DefaultRoute, Channels: []string{"hook"}}},
	})}}
	retries := map[time.Time]string{}
	for _, w := range []struct {
		name string
		req  *v1.ApprovalRequest
		slot string
	}{{"security", request(), "security"}, {"bob", request(), "bob"}, {"another request's security", other, "security"}} {
		name := w.name
		m, err := Waiting(w.req, w.slot, "", received)
		if err != nil {
			t.Fatal(err)
		}
		res, err := Resolve(m, "", configs)
		if err != nil || len(res.Destinations) != 1 {
			t.Fatalf("%s: %+v, %v", name, res, err)
		}
		for attempts := range s.Attempts - 1 {
			_, retry := s.Claim(Delivery{Destination: res.Destinations[0], Attempts: attempts}, at)
			if was, ok := retries[retry]; ok {
				t.Errorf("%s and %s, attempt %d: both retry at %v", was, name, attempts+1, retry)
			}
			retries[retry] = name
		}
	}
}

// An attempt whose outcome was never recorded (a manager stopped, or lost its lease, while it
// sent) is tried again only once it cannot still be under way: never within the attempt's
// bound and the time to record its outcome, whatever the jitter drew — else the next leader
// could send while the last one still does, a second message within the window.
func TestSchedule_AClaimOutlivesItsAttempt(t *testing.T) {
	const timeout = 30 * time.Second
	s := ScheduleFor(timeout)
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	floor := at.Add(timeout + OutcomeGrace)
	for i := range 200 {
		d := Destination{Route: "default", Channel: "NotificationConfig/team/hook", ID: fmt.Sprintf("msg-%d", i)}
		rec, retry := s.Claim(Delivery{Destination: d}, at)
		if retry.Before(floor) {
			t.Fatalf("%s: a claim at %v is retried at %v, within its attempt's bound (%v)", d.ID, at, retry, floor)
		}
		if due, next := s.Due([]Destination{d}, []Record{rec}, floor.Add(-time.Second)); len(due) != 0 || !next.Equal(retry) {
			t.Fatalf("%s: due %v, next %v while the attempt may still run (want none, %v)", d.ID, due, next, retry)
		}
		// An attempt that failed, its outcome known, keeps the schedule's own first wait.
		failed := rec
		failed.Failure = "503 Service Unavailable"
		if due, _ := s.Due([]Destination{d}, []Record{failed}, floor.Add(-time.Second)); len(due) != 1 {
			t.Fatalf("%s: a failed attempt waits for the in-flight floor too: due %v", d.ID, due)
		}
	}
}
