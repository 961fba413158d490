package ledger

import (
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// request is a 2-of-3 request (alice, bob, carol) waiting, with the ledger entries given: "A"
// an approval on record, "R" a rejection on record, "a" an approval without a record (written
// past admission: not verified), "" undecided.
func request(entries ...string) *v1.ApprovalRequest {
	obj := &v1.ApprovalRequest{Spec: v1.ApprovalRequestSpec{
		Approvers: []v1.Approver{{Name: "alice"}, {Name: "bob"}, {Name: "carol"}},
		Policy:    &v1.ApprovalPolicy{RequiredApprovals: ptr.To[int32](2)},
	}}
	obj.Generation = 1
	obj.Status.Phase = v1.PhasePending
	obj.Status.Conditions = []metav1.Condition{{Type: v1.ConditionReconciling, Status: metav1.ConditionTrue, Reason: v1.ReasonAwaitingApprovals}}
	for i, name := range []string{"alice", "bob", "carol"} {
		s := v1.ApproverStatus{Name: name, TaskToken: "sealed-" + name}
		switch entries[i] {
		case "A":
			s.Decision, s.Record = v1.DecisionApprove, "on record"
		case "R":
			s.Decision, s.Record = v1.DecisionReject, "on record"
		case "a":
			s.Decision = v1.DecisionApprove
		}
		obj.Status.Approvers = append(obj.Status.Approvers, s)
	}
	return obj
}

// onRecord stands for identity.Verified: an entry counts when its record is there.
func onRecord(s *v1.ApproverStatus) bool { return s.Record != "" }

func TestEveryEnd(t *testing.T) {
	at := metav1.NewTime(time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC))
	cases := []struct {
		name    string
		ledger  []string
		outcome Outcome
		// want: the end's phase, reason and message (a part of it), the slots it closes, and
		// its events' reasons.
		phase   v1.Phase
		reason  string
		message string
		closed  []string
		events  []string
		// conditions True after Apply; Ready is True only for Approved.
		conditionsTrue []string
	}{
		{"approved by the verified quorum", []string{"A", "A", ""}, Outcome{Phase: v1.PhaseApproved, At: at},
			v1.PhaseApproved, v1.ReasonApproved, "Approved: 2/2 approvals (alice, bob)", []string{"carol"}, []string{v1.ReasonApproved},
			[]string{v1.ConditionApproved, v1.ConditionReady}},
		{"rejected by a verified rejection that makes the quorum unreachable", []string{"R", "R", ""}, Outcome{Phase: v1.PhaseRejected, At: at},
			v1.PhaseRejected, v1.ReasonRejected, "Rejected by alice, bob", []string{"carol"}, []string{v1.ReasonRejected},
			[]string{v1.ConditionRejected, v1.ConditionStalled}},
		{"expired as Step Functions reported it", []string{"A", "", ""}, Outcome{Phase: v1.PhaseExpired, At: at},
			v1.PhaseExpired, v1.ReasonExpired, "Expired: no verdict before the timeout", []string{"bob", "carol"}, []string{v1.ReasonExpired},
			[]string{v1.ConditionStalled}},
		{"expired by the operator's stop, in its words", []string{"", "", ""}, Outcome{Phase: v1.PhaseExpired, Why: "Expired: no verdict by 2026-12-04T09:00:00Z", At: at},
			v1.PhaseExpired, v1.ReasonExpired, "no verdict by 2026-12-04", []string{"alice", "bob", "carol"}, []string{v1.ReasonExpired},
			[]string{v1.ConditionStalled}},
		{"aborted", []string{"", "R", ""}, Outcome{Phase: v1.PhaseAborted, At: at},
			v1.PhaseAborted, v1.ReasonAborted, "Aborted: the execution was stopped", []string{"alice", "carol"}, []string{v1.ReasonAborted},
			[]string{v1.ConditionStalled}},
		{"failed, with the execution's error", []string{"A", "", ""}, Outcome{Phase: v1.PhaseFailed, Why: "the execution failed: States.Runtime: boom", At: at},
			v1.PhaseFailed, v1.ReasonFailed, "States.Runtime: boom", []string{"bob", "carol"}, []string{v1.ReasonFailed},
			[]string{v1.ConditionStalled}},
		{"failed, nothing said", []string{"", "", ""}, Outcome{Phase: v1.PhaseFailed, At: at},
			v1.PhaseFailed, v1.ReasonFailed, "Failed", []string{"alice", "bob", "carol"}, []string{v1.ReasonFailed},
			[]string{v1.ConditionStalled}},
		{"an approval the verified ledger does not reach: an unverified outcome", []string{"A", "a", ""}, Outcome{Phase: v1.PhaseApproved, At: at},
			v1.PhaseFailed, v1.ReasonUnverifiedOutcome, "tollgate recorded 1/2 verified approvals", []string{"carol"}, []string{v1.ReasonUnverifiedOutcome, v1.ReasonFailed},
			[]string{v1.ConditionStalled}},
		{"a rejection that leaves the quorum reachable: an unverified outcome", []string{"R", "", ""}, Outcome{Phase: v1.PhaseRejected, At: at},
			v1.PhaseFailed, v1.ReasonUnverifiedOutcome, "1 verified rejections, which leave 0/2 approvals reachable", []string{"bob", "carol"}, []string{v1.ReasonUnverifiedOutcome, v1.ReasonFailed},
			[]string{v1.ConditionStalled}},
		{"an approval report's words are not its message", []string{"A", "A", "A"}, Outcome{Phase: v1.PhaseApproved, Why: "forged", At: at},
			v1.PhaseApproved, v1.ReasonApproved, "Approved: 3/2 approvals (alice, bob, carol)", nil, []string{v1.ReasonApproved},
			[]string{v1.ConditionApproved, v1.ConditionReady}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			obj := request(c.ledger...)
			before := obj.DeepCopy()
			e := Decide(obj, onRecord, c.outcome)
			if e.Phase != c.phase || e.Reason != c.reason || !strings.Contains(e.Message, c.message) {
				t.Fatalf("end %s (%s): %q; want %s (%s): %q", e.Phase, e.Reason, e.Message, c.phase, c.reason, c.message)
			}
			if !slices.Equal(e.Closed, c.closed) {
				t.Fatalf("closes %v; want %v", e.Closed, c.closed)
			}
			var reasons []string
			for _, ev := range e.Events {
				reasons = append(reasons, ev.Reason)
				if ev.Type == corev1.EventTypeNormal && e.Phase != v1.PhaseApproved {
					t.Fatalf("a Normal event %+v for an end that is not an approval", ev)
				}
			}
			if !slices.Equal(reasons, c.events) {
				t.Fatalf("events %v; want %v", reasons, c.events)
			}
			if before.Status.Phase != obj.Status.Phase || len(before.Status.Conditions) != len(obj.Status.Conditions) {
				t.Fatal("Decide changed the request: it only computes")
			}

			e.Apply(obj)
			st := obj.Status
			if st.Phase != c.phase || !st.CompletedAt.Equal(&at) || st.Ended == nil || st.Ended.Reason != c.reason || st.Ended.Message != e.Message {
				t.Fatalf("applied: phase %s, completedAt %v, ended %+v", st.Phase, st.CompletedAt, st.Ended)
			}
			for _, s := range st.Approvers {
				closed := slices.Contains(c.closed, s.Name)
				if closed != (s.Decision == v1.DecisionNotRequired) {
					t.Fatalf("slot %s: decision %q, closed by the end: %v", s.Name, s.Decision, closed)
				}
				if s.TaskToken == "" {
					t.Fatalf("slot %s lost its token: untracking it is done after the write, from the token", s.Name)
				}
			}
			var conditionsTrue []string
			for _, cond := range st.Conditions {
				if cond.Status == metav1.ConditionTrue {
					conditionsTrue = append(conditionsTrue, cond.Type)
				}
				if cond.Type != v1.ConditionReconciling && (cond.Reason != c.reason || cond.Message != e.Message || cond.ObservedGeneration != 1) {
					t.Fatalf("condition %+v does not say the end", cond)
				}
			}
			if !slices.Equal(slices.Sorted(slices.Values(conditionsTrue)), slices.Sorted(slices.Values(c.conditionsTrue))) {
				t.Fatalf("conditions True %v; want %v", conditionsTrue, c.conditionsTrue)
			}
			if meta.FindStatusCondition(st.Conditions, v1.ConditionReconciling) != nil {
				t.Fatal("an ended request still Reconciling")
			}
			if ready := meta.IsStatusConditionTrue(st.Conditions, v1.ConditionReady); ready != (c.phase == v1.PhaseApproved) {
				t.Fatalf("Ready %v for %s", ready, c.phase)
			}
		})
	}
}

// Applying an end twice (a write retried on a conflict applies it again to what it read) writes
// the same status.
func TestApplyTwice(t *testing.T) {
	obj := request("A", "A", "")
	e := Decide(obj, onRecord, Outcome{Phase: v1.PhaseApproved, At: metav1.NewTime(time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC))})
	e.Apply(obj)
	once := obj.DeepCopy()
	e.Apply(obj)
	if !equality.Semantic.DeepEqual(once.Status, obj.Status) {
		t.Fatalf("a second Apply changed the status:\n%+v\n%+v", once.Status, obj.Status)
	}
}

// An ended request's conditions, restated by a later reconcile, are the recorded end's: the
// words status.ended keeps, or, for a request ended before status.ended existed, what its
// Stalled condition kept, else its phase's own.
func TestRestateKeepsTheRecordedEnd(t *testing.T) {
	at := metav1.NewTime(time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC))
	ended := func(phase v1.Phase, ledger []string, edit func(*v1.ApprovalRequest)) *v1.ApprovalRequest {
		obj := request(ledger...)
		obj.Status.Phase = phase
		edit(obj)
		return obj
	}
	cases := []struct {
		name            string
		obj             *v1.ApprovalRequest
		reason, message string
		trueConditions  []string
	}{{
		name: "an end the ledger wrote: status.ended's words, whatever the conditions say now",
		obj: ended(v1.PhaseFailed, []string{"", "", ""}, func(o *v1.ApprovalRequest) {
			o.Status.Ended = &v1.Ending{At: at, Reason: v1.ReasonUnverifiedOutcome, Message: "not approved"}
			o.Status.Conditions = nil
		}),
		reason: v1.ReasonUnverifiedOutcome, message: "not approved", trueConditions: []string{v1.ConditionStalled},
	}, {
		name: "before status.ended: the Stalled condition's words for its phase",
		obj: ended(v1.PhaseExpired, []string{"", "", ""}, func(o *v1.ApprovalRequest) {
			o.Status.Conditions = []metav1.Condition{{Type: v1.ConditionStalled, Status: metav1.ConditionTrue, Reason: v1.ReasonExpired, Message: "Expired after 72h"}}
		}),
		reason: v1.ReasonExpired, message: "Expired after 72h", trueConditions: []string{v1.ConditionStalled},
	}, {
		name: "before status.ended, an unverified outcome: kept, not turned into a plain Failed",
		obj: ended(v1.PhaseFailed, []string{"", "", ""}, func(o *v1.ApprovalRequest) {
			o.Status.Conditions = []metav1.Condition{{Type: v1.ConditionStalled, Status: metav1.ConditionTrue, Reason: v1.ReasonUnverifiedOutcome, Message: "an answer tollgate did not send"}}
		}),
		reason: v1.ReasonUnverifiedOutcome, message: "an answer tollgate did not send", trueConditions: []string{v1.ConditionStalled},
	}, {
		name:   "before status.ended, a rejection without conditions: its deciders",
		obj:    ended(v1.PhaseRejected, []string{"R", "R", ""}, func(o *v1.ApprovalRequest) { o.Status.Conditions = nil }),
		reason: v1.ReasonRejected, message: "Rejected by alice, bob", trueConditions: []string{v1.ConditionRejected, v1.ConditionStalled},
	}, {
		name: "before status.ended, an approval: its approvals and deciders, Ready",
		obj: ended(v1.PhaseApproved, []string{"A", "A", ""}, func(o *v1.ApprovalRequest) {
			o.Status.Approvals = "2/2"
		}),
		reason: v1.ReasonApproved, message: "Approved: 2/2 approvals (alice, bob)", trueConditions: []string{v1.ConditionApproved, v1.ConditionReady},
	}, {
		name:   "before status.ended, an abort with nothing said: the phase's words",
		obj:    ended(v1.PhaseAborted, []string{"", "", ""}, func(o *v1.ApprovalRequest) { o.Status.Conditions = nil }),
		reason: v1.ReasonAborted, message: "Aborted: the execution was stopped", trueConditions: []string{v1.ConditionStalled},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			Restate(c.obj)
			var holding []string
			for _, cond := range c.obj.Status.Conditions {
				if cond.Reason != c.reason || cond.Message != c.message {
					t.Errorf("condition %s: %s %q, want %s %q", cond.Type, cond.Reason, cond.Message, c.reason, c.message)
				}
				if cond.Status == metav1.ConditionTrue {
					holding = append(holding, cond.Type)
				}
			}
			if meta.FindStatusCondition(c.obj.Status.Conditions, v1.ConditionReady) == nil {
				t.Errorf("no Ready condition")
			}
			if meta.FindStatusCondition(c.obj.Status.Conditions, v1.ConditionReconciling) != nil {
				t.Errorf("an ended request still Reconciling")
			}
			slices.Sort(holding)
			want := slices.Sorted(slices.Values(c.trueConditions))
			if !slices.Equal(holding, want) {
				t.Errorf("conditions True: %v, want %v", holding, want)
			}
		})
	}
}
