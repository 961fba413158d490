package notify

import (
	"fmt"
	"strings"
	"time"
)

// Limits of what a notification repeats of the names people and identity providers chose.
const (
	nameLimit    = 253
	subjectLimit = 60
)

// plainText is a message as text for a person: what users wrote is cleaned and quoted, every
// name is cleaned onto one line, the commands are tollgate's own.
func plainText(m Message, link string) string {
	var b strings.Builder
	r := m.Request
	switch m.Kind {
	case KindWaiting:
		s := m.slot()
		fmt.Fprintf(&b, "%s asks for a decision on %s/%s (slot %s):\n\n", person(m.Requester), r.Namespace, r.Name, s.Name)
		fmt.Fprintf(&b, "%s\n\n", quoted(m.Description))
		fmt.Fprintf(&b, "Decide by %s.\n\n", stamp(m.Deadline))
		c := m.commands()
		fmt.Fprintf(&b, "Approve:\n  %s\nReject:\n  %s\n", c.Approve, c.Reject)
		fmt.Fprintf(&b, "Without the plugin:\n  %s\n  %s\n", c.AnnotateApprove, c.AnnotateReject)
		if link != "" {
			fmt.Fprintf(&b, "\nThe request: %s\n", link)
		}
		fmt.Fprintf(&b, "\nYou are told because slot %s names %s.\n", s.Name, people(s))
	case KindEnded:
		fmt.Fprintf(&b, "%s/%s ended: %s.\n", r.Namespace, r.Name, m.Phase)
		if m.Reason != "" {
			fmt.Fprintf(&b, "Why: %s\n", oneLine(m.Reason, 1024))
		}
		fmt.Fprintf(&b, "\n%s\n", quoted(m.Description))
		if len(m.Decisions) > 0 {
			b.WriteString("\nDecisions:\n")
		}
		for _, d := range m.Decisions {
			fmt.Fprintf(&b, "  %s: %s", d.Slot, d.Decision)
			if d.By != "" {
				fmt.Fprintf(&b, " by %s", person(d.By))
			}
			if !d.At.IsZero() {
				fmt.Fprintf(&b, " at %s", stamp(d.At))
			}
			b.WriteString("\n")
			if d.Comment != "" {
				fmt.Fprintf(&b, "  %s\n", strings.ReplaceAll(quoted(d.Comment), "\n", "\n  "))
			}
		}
		if link != "" {
			fmt.Fprintf(&b, "\nThe request: %s\n", link)
		}
		fmt.Fprintf(&b, "\nYou are told because you asked for it (%s).\n", person(m.Requester))
	}
	return b.String()
}

// person is a user name, as an identity provider gave it, on one line.
func person(name string) string {
	if name == "" {
		return "Someone"
	}
	return oneLine(name, nameLimit)
}

// people are a slot's users and groups, for a sentence.
func people(s Slot) string {
	parts := make([]string, 0, len(s.Users)+len(s.Groups))
	for _, u := range s.Users {
		parts = append(parts, "user "+oneLine(u, nameLimit))
	}
	for _, g := range s.Groups {
		parts = append(parts, "group "+oneLine(g, nameLimit))
	}
	return strings.Join(parts, ", ")
}

// stamp is a time as people read it in a notification: UTC, to the minute.
func stamp(t time.Time) string {
	return t.UTC().Format("Mon, 02 Jan 2006 15:04 UTC")
}

// subject is a mail's subject line, before encoding.
func subject(m Message) string {
	r := m.Request
	what := oneLine(m.Description, subjectLimit)
	if m.Kind == KindEnded {
		return fmt.Sprintf("[tollgate] %s/%s %s: %s", r.Namespace, r.Name, m.Phase, what)
	}
	return fmt.Sprintf("[tollgate] Decision needed on %s/%s: %s", r.Namespace, r.Name, what)
}
