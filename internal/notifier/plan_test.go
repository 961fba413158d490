package notifier

import (
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/notify"
)

var (
	t0       = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	schedule = notify.Schedule{First: 30 * time.Second, Max: 30 * time.Minute, Attempts: 3}
)

const mailChannel = "NotificationConfig/team/mail"

// pending is a request of slots alice and bob; alice holds her token since t0.
func pending() *v1.ApprovalRequest {
	received := metav1.NewTime(t0)
	obj := &v1.ApprovalRequest{Spec: v1.ApprovalRequestSpec{
		Description: "deploy",
		Approvers:   []v1.Approver{{Name: "alice", Users: []string{"alice@example.com"}}, {Name: "bob", Users: []string{"bob@example.com"}}},
	}}
	obj.Namespace, obj.Name, obj.UID = "team", "deploy", "uid-1"
	obj.CreationTimestamp = metav1.NewTime(t0.Add(-time.Minute))
	obj.Status.Phase = v1.PhasePending
	obj.Status.Approvers = []v1.ApproverStatus{{Name: "alice", TaskToken: "sealed.v1.x", TokenReceivedAt: &received}, {Name: "bob"}}
	return obj
}

// teamConfigs route team's requests by default through one e-mail channel that reaches alice
// and the requester ravi.
func teamConfigs() notify.Configs {
	return notify.Configs{Namespace: "team", Namespaced: []v1.NotificationConfig{{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "team"},
		Spec: v1.NotificationConfigSpec{
			Channels:   []v1.NotificationChannel{{Name: "mail", Email: &v1.EmailChannel{Host: "smtp.example.com", Port: 587, From: "tollgate@example.com"}}},
			Recipients: []v1.NotificationRecipient{{User: "alice@example.com", Email: "alice@example.com"}, {User: "ravi@example.com", Email: "ravi@example.com"}},
			Routes:     []v1.NotificationRoute{{Name: "default", Channels: []string{"mail"}}},
		},
	}}}
}

func TestNotices(t *testing.T) {
	slots := func(ns []notice) []string {
		out := make([]string, 0, len(ns))
		for _, n := range ns {
			out = append(out, n.slot)
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		change func(*v1.ApprovalRequest)
		now    time.Time
		want   []string
	}{
		{name: "the slot whose token arrived, not the one still waiting for it", want: []string{"alice"}},
		{name: "none once alice decided", change: func(o *v1.ApprovalRequest) { o.Status.Approvers[0].Decision = v1.DecisionApprove }},
		{name: "the end alone once the request ended", change: end(t0), want: []string{""}},
		{name: "the end is news within the horizon", change: end(t0), now: t0.Add(EndHorizon), want: []string{""}},
		{name: "and history after it", change: end(t0), now: t0.Add(EndHorizon + time.Second)},
		{name: "no end its verified ledger does not support: an approval nobody gave", change: func(o *v1.ApprovalRequest) {
			o.Status.Approvers[0].Decision, o.Status.Approvers[1].Decision = v1.DecisionApprove, v1.DecisionApprove // no records
			endIn(v1.PhaseApproved, t0)(o)
		}},
		{name: "no expiry before the request's time", change: endIn(v1.PhaseExpired, t0)},
		{name: "no slot a status entry names that the spec does not have", change: func(o *v1.ApprovalRequest) {
			o.Status.Approvers[1] = v1.ApproverStatus{Name: "mallory", TokenReceivedAt: o.Status.Approvers[0].TokenReceivedAt}
		}, want: []string{"alice"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj := pending()
			if tc.change != nil {
				tc.change(obj)
			}
			now := tc.now
			if now.IsZero() {
				now = t0
			}
			got := slots(notices(obj, "ravi@example.com", now))
			if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tc.want) {
				t.Errorf("notices for %q, want %q", got, tc.want)
			}
		})
	}
}

// end ends a request at at, as its execution failed (an end only the execution decides).
func end(at time.Time) func(*v1.ApprovalRequest) {
	return endIn(v1.PhaseFailed, at)
}

func endIn(phase v1.Phase, at time.Time) func(*v1.ApprovalRequest) {
	return func(o *v1.ApprovalRequest) {
		o.Status.Phase = phase
		o.Status.Ended = &v1.Ending{At: metav1.NewTime(at), Reason: string(phase)}
	}
}

// record is alice's record of the mail channel.
func record(attempts int32, at time.Time, failure string) v1.NotificationRecord {
	return v1.NotificationRecord{Route: notify.DefaultRoute, Channel: mailChannel, At: metav1.NewTime(at), Attempts: attempts, Failure: failure}
}

func TestPlanOf(t *testing.T) {
	res, err := notify.Resolve(notices(pending(), "ravi@example.com", t0)[0].msg, "", teamConfigs())
	if err != nil || len(res.Destinations) != 1 {
		t.Fatalf("%+v, %v", res, err)
	}
	_, retry := schedule.Claim(notify.Delivery{Destination: res.Destinations[0]}, t0)
	for _, tc := range []struct {
		name      string
		records   []v1.NotificationRecord
		now       time.Time
		wantAfter []int32 // the claims' After
		wantNext  time.Time
	}{
		{name: "never attempted: the first attempt is claimed", now: t0, wantAfter: []int32{0}},
		{name: "delivered: nothing, ever", records: []v1.NotificationRecord{record(1, t0, "")}, now: t0.Add(time.Hour)},
		{name: "in flight when a manager stopped: nothing before its retry's time", records: []v1.NotificationRecord{record(1, t0, notify.AttemptInFlight)},
			now: retry.Add(-time.Second), wantNext: retry},
		{name: "in flight, and its retry's time has come: the second attempt", records: []v1.NotificationRecord{record(1, t0, notify.AttemptInFlight)},
			now: retry, wantAfter: []int32{1}},
		{name: "failed: the retry at its time", records: []v1.NotificationRecord{record(1, t0, "503")}, now: retry, wantAfter: []int32{1}},
		{name: "out of attempts: nothing", records: []v1.NotificationRecord{record(3, t0, "503")}, now: t0.Add(time.Hour)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj := pending()
			obj.Status.Approvers[0].Notified = tc.records
			n := notices(obj, "ravi@example.com", tc.now)[0]
			p := planOf(n, "", teamConfigs(), schedule, tc.now)
			after := make([]int32, 0, len(p.claims))
			for i, c := range p.claims {
				after = append(after, c.After)
				rec := c.Record
				if rec.Attempts != c.After+1 || rec.Failure != notify.AttemptInFlight || !rec.At.Time.Equal(tc.now) || rec.Channel != mailChannel {
					t.Errorf("claim %+v", rec)
				}
				if rec.NextAttemptAt == nil || !rec.NextAttemptAt.After(tc.now) {
					t.Errorf("claim %+v: no retry time for an attempt whose outcome is never recorded", rec)
				}
				if p.deliveries[i].Attempts != int(c.After) || fmt.Sprint(p.deliveries[i].To) != "[alice@example.com]" {
					t.Errorf("delivery %+v", p.deliveries[i])
				}
			}
			if fmt.Sprint(after) != fmt.Sprint(tc.wantAfter) || !p.next.Equal(tc.wantNext) {
				t.Errorf("claims after %v, next %v; want %v, %v", after, p.next, tc.wantAfter, tc.wantNext)
			}
		})
	}
}

func TestPlanOfTheEnd(t *testing.T) {
	obj := pending()
	end(t0)(obj)
	p := planOf(notices(obj, "ravi@example.com", t0)[0], "", teamConfigs(), schedule, t0)
	if len(p.deliveries) != 1 || fmt.Sprint(p.deliveries[0].To) != "[ravi@example.com]" || p.claims[0].Slot != "" {
		t.Errorf("the end goes to the requester: %+v", p.deliveries)
	}
}

// A route the request picked that no object defines is a failure recorded on its schedule:
// each retry looks the route up again.
func TestPlanOfAnUnknownRoute(t *testing.T) {
	obj := pending()
	p := planOf(notices(obj, "", t0)[0], "pager", teamConfigs(), schedule, t0)
	if len(p.deliveries) != 0 || p.unrouted == nil {
		t.Fatalf("deliveries %v, unrouted %v", p.deliveries, p.unrouted)
	}
	rec := p.unrouted.Record
	if rec.Route != "pager" || rec.Channel != v1.NotificationNoChannel || rec.Attempts != 1 || !strings.Contains(rec.Failure, `no such route "pager"`) ||
		rec.NextAttemptAt == nil {
		t.Errorf("unrouted %+v", rec)
	}
	obj.Status.Approvers[0].Notified = []v1.NotificationRecord{rec}
	p = planOf(notices(obj, "", t0)[0], "pager", teamConfigs(), schedule, t0.Add(time.Second))
	if p.unrouted != nil || !p.next.Equal(rec.NextAttemptAt.Time) {
		t.Errorf("before its retry: unrouted %v, next %v", p.unrouted, p.next)
	}
	p = planOf(notices(obj, "", t0)[0], "pager", teamConfigs(), schedule, rec.NextAttemptAt.Time)
	if p.unrouted == nil || p.unrouted.After != 1 || p.unrouted.Record.Attempts != 2 {
		t.Errorf("at its retry: %+v", p.unrouted)
	}
}

// Status records at most 16 channels of a notification: a 17th is reported, not sent (a write
// beyond would be refused whole, and nothing recorded).
func TestPlanKeepsRoomInStatus(t *testing.T) {
	obj := pending()
	for i := range 16 {
		obj.Status.Approvers[0].Notified = append(obj.Status.Approvers[0].Notified,
			v1.NotificationRecord{Route: "default", Channel: fmt.Sprintf("NotificationConfig/old/c%d", i), At: metav1.NewTime(t0), Attempts: 1})
	}
	p := planOf(notices(obj, "", t0)[0], "", teamConfigs(), schedule, t0)
	if len(p.claims) != 0 || len(p.unreached) != 1 || !strings.Contains(p.unreached[0], mailChannel+": not sent") {
		t.Errorf("claims %v, unreached %q", p.claims, p.unreached)
	}
}
