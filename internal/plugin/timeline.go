package plugin

import (
	"fmt"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
)

// timelineOf tells a request's story from the times it and its decisions carry: created,
// execution started, each ApproverDecision and the operator's answer, each decision recorded
// and delivered to Step Functions, and the end.
func timelineOf(req *v1.ApprovalRequest, decisions []decisionView) []event {
	var events []event
	created := "created"
	if by := requesterOf(req); by != "" {
		created += " by " + by
	}
	events = append(events, event{At: req.CreationTimestamp, What: created})
	if t, ok := at(req.Status.StartedAt); ok {
		events = append(events, event{At: t, What: "Step Functions execution started"})
	}
	for _, d := range decisions {
		what := fmt.Sprintf("ApproverDecision %s: %s slot %s", d.Name, d.Decision, d.Slot)
		if d.DecidedBy != "" {
			what += " by " + d.DecidedBy
		}
		if d.Phase != "" {
			what += " — " + string(d.Phase)
		}
		if d.Phase == v1.DecisionRefused && d.Message != "" {
			what += ": " + d.Message
		}
		events = append(events, event{At: d.CreatedAt, What: what})
	}
	for _, s := range readingOf(req).Slots {
		events = append(events, slotEvents(s)...)
	}
	if t, ok := at(req.Status.CompletedAt); ok {
		what := string(req.Status.Phase)
		if o, final := outcomeOf(req); final {
			what = o.String()
		}
		events = append(events, event{At: t, What: what})
	}
	return byTime(events)
}

// slotEvents are a slot's decision and its delivery.
func slotEvents(s approval.SlotReading) []event {
	var events []event
	if t, ok := at(s.Status.DecidedAt); ok {
		what := fmt.Sprintf("slot %s: %s", s.Name, s.Status.Decision)
		if s.Status.DecidedBy != "" {
			what += " by " + s.Status.DecidedBy
		}
		if s.Status.Source != "" {
			what += " (" + s.Status.Source + ")"
		}
		if s.Status.Comment != "" {
			what += fmt.Sprintf(": %q", s.Status.Comment)
		}
		events = append(events, event{At: t, What: what})
	}
	if t, ok := at(s.Status.SentAt); ok {
		events = append(events, event{At: t, What: fmt.Sprintf("slot %s: delivered to Step Functions", s.Name)})
	}
	return events
}
