package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// timedDecision is a decision the bench timed: its write and the SendTaskSuccess it led to.
type timedDecision struct {
	name, slot  string
	wrote, sent time.Time
}

func (s timedDecision) took() time.Duration { return s.sent.Sub(s.wrote) }

// auditEvent is what -trace reads of a kube-apiserver audit event.
type auditEvent struct {
	Received time.Time `json:"requestReceivedTimestamp"`
	Done     time.Time `json:"stageTimestamp"`
	Verb     string    `json:"verb"`
	User     struct {
		Username string `json:"username"`
	} `json:"user"`
	As *struct {
		Username string `json:"username"`
	} `json:"impersonatedUser"`
	Object *struct {
		Resource    string `json:"resource"`
		Subresource string `json:"subresource"`
		Name        string `json:"name"`
	} `json:"objectRef"`
	Status *struct {
		Code int `json:"code"`
	} `json:"responseStatus"`
}

// writeTrace writes, for each tier, the timeline of its median decision: every request
// kube-apiserver served between the decision's write and its SendTaskSuccess (from the audit
// log), and when the endpoint applied it.
func writeTrace(path, auditLog string, tiers []tier) error {
	var picked []timedDecision
	var of []tier
	for _, t := range tiers {
		if s, ok := median(t.spans); ok {
			picked, of = append(picked, s), append(of, t)
		}
	}
	events, err := readAudit(auditLog, picked)
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	for i, s := range picked {
		renderSpan(f, of[i].Pending, s, events[i])
		_, _ = fmt.Fprintf(f, "  kube-apiserver's admission webhooks during the tier's decisions:\n")
		for _, line := range of[i].webhooks {
			_, _ = fmt.Fprintf(f, "  - %s\n", line)
		}
		_, _ = fmt.Fprintln(f)
	}
	return f.Close()
}

// median is the decision of spans that took the median time.
func median(spans []timedDecision) (timedDecision, bool) {
	if len(spans) == 0 {
		return timedDecision{}, false
	}
	s := slices.SortedFunc(slices.Values(spans), func(a, b timedDecision) int { return int(a.took() - b.took()) })
	return s[(len(s)-1)/2], true
}

// readAudit returns, per timedDecision, the audit events (watches aside) that overlap it.
func readAudit(path string, spans []timedDecision) ([][]auditEvent, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading kube-apiserver's audit log: %w", err)
	}
	defer func() { _ = f.Close() }()
	out := make([][]auditEvent, len(spans))
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<16), 1<<24)
	for sc.Scan() {
		var e auditEvent
		if json.Unmarshal(sc.Bytes(), &e) != nil || e.Verb == "watch" {
			continue
		}
		for i, s := range spans {
			if e.Done.After(s.wrote.Add(-time.Millisecond)) && e.Received.Before(s.sent) {
				out[i] = append(out[i], e)
			}
		}
	}
	return out, sc.Err()
}

func renderSpan(w io.Writer, pending int, s timedDecision, events []auditEvent) {
	at := func(t time.Time) string { return fmt.Sprintf("%+8.1f", ms(t.Sub(s.wrote))) }
	_, _ = fmt.Fprintf(w, "## %d pending: %s/%s, decision → SendTaskSuccess %.1f ms (the tier's median)\n\n", pending, s.name, s.slot, ms(s.took()))
	_, _ = fmt.Fprintf(w, "    from ms    to ms  took ms  who → what\n")
	_, _ = fmt.Fprintf(w, "  %s                    the bench sends the decision (an annotation)\n", at(s.wrote))
	slices.SortFunc(events, func(a, b auditEvent) int { return a.Received.Compare(b.Received) })
	for _, e := range events {
		_, _ = fmt.Fprintf(w, "  %s %s %8.1f  %s\n", at(e.Received), at(e.Done), ms(e.Done.Sub(e.Received)), e.describe())
	}
	_, _ = fmt.Fprintf(w, "  %s                    the endpoint applies SendTaskSuccess\n\n", at(s.sent))
}

func (e auditEvent) describe() string {
	who := e.User.Username
	if e.As != nil {
		who += " as " + e.As.Username
	}
	what := e.Verb
	if o := e.Object; o != nil {
		what += " " + strings.TrimSuffix(o.Resource+"/"+o.Subresource, "/")
		if o.Name != "" {
			what += " " + o.Name
		}
	}
	if e.Status != nil && e.Status.Code >= 300 {
		what += fmt.Sprintf(" (%d)", e.Status.Code)
	}
	return who + " → " + what
}
