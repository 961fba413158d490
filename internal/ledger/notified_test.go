package ledger

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

const (
	inFlight = "attempt in flight"
	mail     = "NotificationConfig/team/mail"
)

// waiting is a request whose slot alice holds her token, with alice's stored records.
func waiting(records ...v1.NotificationRecord) *v1.ApprovalRequest {
	received := metav1.NewTime(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	obj := &v1.ApprovalRequest{Spec: v1.ApprovalRequestSpec{Approvers: []v1.Approver{{Name: "alice"}, {Name: "bob"}}}}
	obj.UID = "uid-1"
	obj.Status.Phase = v1.PhasePending
	obj.Status.Approvers = []v1.ApproverStatus{
		{Name: "alice", TaskToken: "sealed-alice", TokenReceivedAt: &received, SlotFollowUp: v1.SlotFollowUp{Notified: records}},
		{Name: "bob"},
	}
	return obj
}

func record(attempts int32, failure string) v1.NotificationRecord {
	return v1.NotificationRecord{Route: "default", Channel: mail, Attempts: attempts, Failure: failure}
}

func TestApplyNotes(t *testing.T) {
	ended := func(obj *v1.ApprovalRequest) {
		obj.Status.Phase = v1.PhaseApproved
		obj.Status.Ended = &v1.Ending{Reason: v1.ReasonApproved}
	}
	decided := func(obj *v1.ApprovalRequest) { obj.Status.Approvers[0].Decision = v1.DecisionApprove }
	for _, tc := range []struct {
		name     string
		stored   []v1.NotificationRecord
		change   func(*v1.ApprovalRequest)
		uid      string
		note     Note
		whileDue bool
		written  bool
		want     []v1.NotificationRecord
	}{
		{name: "the first attempt claimed", note: Note{Slot: "alice", Record: record(1, inFlight)}, whileDue: true, written: true,
			want: []v1.NotificationRecord{record(1, inFlight)}},
		{name: "its outcome replaces the claim", stored: []v1.NotificationRecord{record(1, inFlight)},
			note: Note{Slot: "alice", After: 1, Record: record(1, "")}, written: true, want: []v1.NotificationRecord{record(1, "")}},
		{name: "a retry claimed after a failure", stored: []v1.NotificationRecord{record(1, "503")},
			note: Note{Slot: "alice", After: 1, Record: record(2, inFlight)}, whileDue: true, written: true,
			want: []v1.NotificationRecord{record(2, inFlight)}},
		{name: "a claim computed from a stale read loses: another attempt is recorded",
			stored: []v1.NotificationRecord{record(1, inFlight)}, note: Note{Slot: "alice", Record: record(1, inFlight)}, whileDue: true,
			want: []v1.NotificationRecord{record(1, inFlight)}},
		{name: "a claim of a retry another notifier made first loses", stored: []v1.NotificationRecord{record(2, inFlight)},
			note: Note{Slot: "alice", After: 1, Record: record(2, inFlight)}, whileDue: true,
			want: []v1.NotificationRecord{record(2, inFlight)}},
		{name: "a delivered notification is never claimed again", stored: []v1.NotificationRecord{record(1, "")},
			note: Note{Slot: "alice", After: 1, Record: record(2, inFlight)}, whileDue: true,
			want: []v1.NotificationRecord{record(1, "")}},
		{name: "no claim once the slot is decided", change: decided, note: Note{Slot: "alice", Record: record(1, inFlight)}, whileDue: true},
		{name: "no claim once the request ended", change: ended, note: Note{Slot: "alice", Record: record(1, inFlight)}, whileDue: true},
		{name: "no claim for a slot whose token has not arrived", note: Note{Slot: "bob", Record: record(1, inFlight)}, whileDue: true},
		{name: "an outcome is written after the slot was decided", change: decided, stored: []v1.NotificationRecord{record(1, inFlight)},
			note: Note{Slot: "alice", After: 1, Record: record(1, "")}, written: true, want: []v1.NotificationRecord{record(1, "")}},
		{name: "nothing for a request of another uid", uid: "uid-2", note: Note{Slot: "alice", Record: record(1, inFlight)}, whileDue: true},
		{name: "nothing for a slot the status does not have", note: Note{Slot: "carol", Record: record(1, inFlight)}, whileDue: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj := waiting(tc.stored...)
			if tc.change != nil {
				tc.change(obj)
			}
			uid := tc.uid
			if uid == "" {
				uid = "uid-1"
			}
			written := applyNotes(obj, types.UID(uid), []Note{tc.note}, tc.whileDue)
			if (len(written) == 1) != tc.written {
				t.Fatalf("written %v, want %v", written, tc.written)
			}
			got := obj.Status.Approvers[0].Notified
			if tc.note.Slot == "alice" && !equalRecords(got, tc.want) {
				t.Errorf("alice's records %+v, want %+v", got, tc.want)
			}
			if tc.note.Slot == "bob" && len(obj.Status.Approvers[1].Notified) != 0 {
				t.Errorf("bob's records %+v, want none", obj.Status.Approvers[1].Notified)
			}
		})
	}
}

func TestApplyNotesOfTheEnd(t *testing.T) {
	obj := waiting()
	claim := Note{Record: record(1, inFlight)}
	if w := applyNotes(obj, obj.UID, []Note{claim}, true); len(w) != 0 || len(obj.Status.EndNotified) != 0 {
		t.Fatalf("the end's notification was claimed before the request ended: %+v", obj.Status.EndNotified)
	}
	obj.Status.Ended = &v1.Ending{Reason: v1.ReasonRejected}
	if w := applyNotes(obj, obj.UID, []Note{claim}, true); len(w) != 1 || !equalRecords(obj.Status.EndNotified, []v1.NotificationRecord{record(1, inFlight)}) {
		t.Fatalf("the end's claim: %+v", obj.Status.EndNotified)
	}
}

func TestApplyNotesKeepsTheSchemaBounds(t *testing.T) {
	full := make([]v1.NotificationRecord, 0, MaxNotificationRecords)
	for i := range MaxNotificationRecords {
		r := record(1, "")
		r.Channel += strings.Repeat("x", i)
		full = append(full, r)
	}
	obj := waiting(full...)
	extra := record(1, inFlight)
	extra.Channel = "NotificationConfig/team/seventeenth"
	if w := applyNotes(obj, obj.UID, []Note{{Slot: "alice", Record: extra}}, true); len(w) != 0 {
		t.Errorf("a 17th record was written: the schema refuses the whole status")
	}

	obj = waiting()
	long := record(1, strings.Repeat("é", 600))
	applyNotes(obj, obj.UID, []Note{{Slot: "alice", Record: long}}, true)
	f := obj.Status.Approvers[0].Notified[0].Failure
	if len(f) > maxFailureLength || !utf8.ValidString(f) || !strings.HasSuffix(f, "…") {
		t.Errorf("a long failure recorded as %d bytes (valid UTF-8: %v)", len(f), utf8.ValidString(f))
	}
}

func equalRecords(a, b []v1.NotificationRecord) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Route != b[i].Route || a[i].Channel != b[i].Channel || a[i].Attempts != b[i].Attempts || a[i].Failure != b[i].Failure {
			return false
		}
	}
	return true
}
