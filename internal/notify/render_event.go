package notify

import (
	"encoding/json"
	"fmt"
	"time"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// The CloudEvents a webhook receives (structured mode: the whole event is the JSON body).
const (
	cloudEventsVersion     = "1.0"
	cloudEventsContentType = "application/cloudevents+json; charset=utf-8"
	// EventTypeWaiting and EventTypeEnded are the events' types, versioned by their data.
	EventTypeWaiting = "dev.tollgate.approvalrequest.slot.waiting.v1"
	EventTypeEnded   = "dev.tollgate.approvalrequest.ended.v1"
)

// cloudEvent is a CloudEvents 1.0 event in its JSON format.
type cloudEvent struct {
	SpecVersion     string    `json:"specversion"`
	ID              string    `json:"id"`
	Source          string    `json:"source"`
	Type            string    `json:"type"`
	Subject         string    `json:"subject,omitempty"`
	Time            time.Time `json:"time"`
	DataContentType string    `json:"datacontenttype"`
	Data            eventData `json:"data"`
}

// eventData is a message as data. Text users wrote is cleaned as for any channel (no control
// or bidirectional characters) and JSON-escaped with <, > and & as \u escapes, so a receiver
// that pastes it into HTML pastes text.
type eventData struct {
	Namespace   string          `json:"namespace"`
	Name        string          `json:"name"`
	UID         string          `json:"uid"`
	Description string          `json:"description"`
	Requester   string          `json:"requester,omitempty"`
	Deadline    time.Time       `json:"deadline"`
	Link        string          `json:"link,omitempty"`
	Slot        *eventSlot      `json:"slot,omitempty"`
	Commands    *Commands       `json:"commands,omitempty"`
	Phase       v1.Phase        `json:"phase,omitempty"`
	Reason      string          `json:"reason,omitempty"`
	Decisions   []eventDecision `json:"decisions,omitempty"`
}

type eventSlot struct {
	Name   string   `json:"name"`
	Users  []string `json:"users,omitempty"`
	Groups []string `json:"groups,omitempty"`
}

type eventDecision struct {
	Slot     string      `json:"slot"`
	Decision v1.Decision `json:"decision"`
	By       string      `json:"by,omitempty"`
	At       *time.Time  `json:"at,omitempty"`
	Comment  string      `json:"comment,omitempty"`
}

// renderEvent is a message as a CloudEvent with the stable id id.
func renderEvent(m Message, link, id string) ([]byte, error) {
	r := m.Request
	ev := cloudEvent{
		SpecVersion:     cloudEventsVersion,
		ID:              id,
		Source:          fmt.Sprintf("/apis/%s/namespaces/%s/approvalrequests/%s", v1.GroupVersion, r.Namespace, r.Name),
		Time:            m.At.UTC(),
		DataContentType: "application/json",
		Data: eventData{
			Namespace: r.Namespace, Name: r.Name, UID: r.UID,
			Description: cleanText(m.Description),
			Requester:   cleanText(m.Requester),
			Deadline:    m.Deadline.UTC(),
			Link:        link,
		},
	}
	switch m.Kind {
	case KindWaiting:
		s, c := m.slot(), m.commands()
		ev.Type, ev.Subject = EventTypeWaiting, s.Name
		ev.Data.Slot = &eventSlot{Name: s.Name, Users: cleanAll(s.Users), Groups: cleanAll(s.Groups)}
		ev.Data.Commands = &c
	case KindEnded:
		ev.Type = EventTypeEnded
		ev.Data.Phase, ev.Data.Reason = m.Phase, cleanText(m.Reason)
		for _, d := range m.Decisions {
			ed := eventDecision{Slot: d.Slot, Decision: d.Decision, By: cleanText(d.By), Comment: cleanText(d.Comment)}
			if !d.At.IsZero() {
				at := d.At.UTC()
				ed.At = &at
			}
			ev.Data.Decisions = append(ev.Data.Decisions, ed)
		}
	default:
		return nil, fmt.Errorf("a message of kind %q", m.Kind)
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("encoding the event: %w", err)
	}
	return b, nil
}

func cleanAll(names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, cleanText(n))
	}
	return out
}
