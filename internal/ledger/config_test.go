package ledger

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

func TestSetCondition(t *testing.T) {
	t0 := metav1.NewTime(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	t1 := metav1.NewTime(t0.Add(5 * time.Minute))
	ready := func(status metav1.ConditionStatus, reason, message string, gen int64, at metav1.Time) metav1.Condition {
		return metav1.Condition{Type: v1.ConditionReady, Status: status, Reason: reason, Message: message, ObservedGeneration: gen, LastTransitionTime: at}
	}
	notGranted := ready(metav1.ConditionFalse, v1.ReasonSecretNotGranted, "channel mail: may not read", 1, t0)
	stored := v1.NotificationConfigStatus{ObservedGeneration: 1, Conditions: []metav1.Condition{notGranted}}
	for _, tc := range []struct {
		name        string
		status      v1.NotificationConfigStatus
		cond        metav1.Condition
		wantChanged bool
		wantAt      metav1.Time
	}{
		{name: "the first check", cond: notGranted, wantChanged: true, wantAt: t0},
		{name: "the same finding later: nothing to write", status: stored,
			cond: ready(metav1.ConditionFalse, v1.ReasonSecretNotGranted, "channel mail: may not read", 1, t1), wantAt: t0},
		{name: "another problem, still not ready: the transition's time stays", status: stored,
			cond: ready(metav1.ConditionFalse, v1.ReasonSecretMissing, "channel mail: no Secret", 1, t1), wantChanged: true, wantAt: t0},
		{name: "ready: a transition", status: stored,
			cond: ready(metav1.ConditionTrue, v1.ReasonChannelsReady, "ready", 1, t1), wantChanged: true, wantAt: t1},
		{name: "the same finding for a new generation", status: stored,
			cond: ready(metav1.ConditionFalse, v1.ReasonSecretNotGranted, "channel mail: may not read", 2, t1), wantChanged: true, wantAt: t0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := *tc.status.DeepCopy()
			if changed := setCondition(&s, tc.cond); changed != tc.wantChanged {
				t.Errorf("changed %v, want %v", changed, tc.wantChanged)
			}
			if len(s.Conditions) != 1 {
				t.Fatalf("conditions %+v", s.Conditions)
			}
			got := s.Conditions[0]
			if got.Reason != tc.cond.Reason || got.Message != tc.cond.Message || got.Status != tc.cond.Status || !got.LastTransitionTime.Equal(&tc.wantAt) {
				t.Errorf("condition %+v, want %+v at %v", got, tc.cond, tc.wantAt)
			}
			if s.ObservedGeneration != tc.cond.ObservedGeneration || got.ObservedGeneration != tc.cond.ObservedGeneration {
				t.Errorf("observedGeneration %d (condition %d), want %d", s.ObservedGeneration, got.ObservedGeneration, tc.cond.ObservedGeneration)
			}
		})
	}
}
