package notify

import (
	"fmt"
	"slices"
	"time"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
)

// Kind is what a notification is about.
type Kind string

const (
	// KindWaiting tells a slot's people that their decision is awaited: the slot's task token
	// has arrived.
	KindWaiting Kind = "SlotWaiting"
	// KindEnded tells the requester that the request ended, and why.
	KindEnded Kind = "RequestEnded"
)

// Request names the ApprovalRequest a message is about.
type Request struct {
	Namespace string
	Name      string
	UID       string
}

// Slot is an approval slot and the people who may decide it.
type Slot struct {
	Name   string
	Users  []string
	Groups []string
}

// Decision is a slot's recorded decision, as the end message reports it.
type Decision struct {
	Slot     string
	Decision v1.Decision
	By       string
	At       time.Time
	Comment  string
}

// Message is one notification, channel-neutral. It holds what people need and nothing of what
// they must not see: no task token, no record, no payload, no secret (it has no field for any).
type Message struct {
	Kind    Kind
	Request Request
	// Description and Requester are what the request says and who created it.
	Description string
	Requester   string
	// Deadline is when the request expires.
	Deadline time.Time
	// At is when the event happened: the slot's token arrived, the request ended.
	At time.Time
	// Slots are the request's slots; Slot is the one a KindWaiting message is for.
	Slots []Slot
	Slot  string
	// Phase and Reason say how and why a request ended (KindEnded); Decisions are its slots'
	// decisions.
	Phase     v1.Phase
	Reason    string
	Decisions []Decision
}

// Waiting is the message for a slot's people once the slot's task token has arrived (at).
// requester is who created the request, as tollgate's admission recorded it.
func Waiting(req *v1.ApprovalRequest, slot, requester string, at time.Time) (Message, error) {
	m := base(req, KindWaiting, requester, at)
	if !slices.ContainsFunc(m.Slots, func(s Slot) bool { return s.Name == slot }) {
		return Message{}, fmt.Errorf("request %s/%s has no slot %q", req.Namespace, req.Name, slot)
	}
	m.Slot = slot
	return m, nil
}

// Ended is the message for the requester once the request ended (at), in its status's phase,
// for reason.
func Ended(req *v1.ApprovalRequest, requester, reason string, at time.Time) Message {
	m := base(req, KindEnded, requester, at)
	m.Phase, m.Reason = req.Status.Phase, reason
	for _, a := range req.Status.Approvers {
		if a.Decision == "" {
			continue
		}
		d := Decision{Slot: a.Name, Decision: a.Decision, By: a.DecidedBy, Comment: a.Comment}
		if a.DecidedAt != nil {
			d.At = a.DecidedAt.Time
		}
		m.Decisions = append(m.Decisions, d)
	}
	return m
}

func base(req *v1.ApprovalRequest, kind Kind, requester string, at time.Time) Message {
	m := Message{
		Kind:        kind,
		Request:     Request{Namespace: req.Namespace, Name: req.Name, UID: string(req.UID)},
		Description: req.Spec.Description,
		Requester:   requester,
		Deadline:    approval.ExpiresAt(req),
		At:          at,
	}
	// The slots of the policy the request runs under: a request under a GatePolicy names none
	// of its own.
	for _, a := range approval.Slots(approval.PolicyOf(req)) {
		m.Slots = append(m.Slots, Slot{Name: a.Name, Users: a.Users, Groups: a.Groups})
	}
	return m
}

// slot is the slot a KindWaiting message is for.
func (m Message) slot() Slot {
	for _, s := range m.Slots {
		if s.Name == m.Slot {
			return s
		}
	}
	return Slot{Name: m.Slot}
}

// Commands are the exact commands that decide a waiting slot: with the kubectl plugin, or with
// kubectl alone.
type Commands struct {
	Approve         string `json:"approve"`
	Reject          string `json:"reject"`
	AnnotateApprove string `json:"annotateApprove"`
	AnnotateReject  string `json:"annotateReject"`
}

// commands decides m's slot. Names, namespaces and slot names are DNS names (the API
// validates them), so the commands need no shell quoting.
func (m Message) commands() Commands {
	r, slot := m.Request, m.Slot
	annotate := fmt.Sprintf("kubectl annotate approvalrequest %s -n %s %s%s", r.Name, r.Namespace, v1.DecisionAnnotationPrefix, slot)
	return Commands{
		Approve:         fmt.Sprintf("kubectl tollgate approve %s -n %s --slot %s", r.Name, r.Namespace, slot),
		Reject:          fmt.Sprintf(`kubectl tollgate reject %s -n %s --slot %s -m "why"`, r.Name, r.Namespace, slot),
		AnnotateApprove: annotate + "=approve",
		AnnotateReject:  fmt.Sprintf(`%s=reject %s%s%s="why"`, annotate, v1.DecisionAnnotationPrefix, slot, v1.DecisionCommentSuffix),
	}
}
