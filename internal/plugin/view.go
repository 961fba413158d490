package plugin

import (
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
)

// requestView is what `describe` shows of a request, and what -o json/yaml print: the request,
// its slots with their decisions, its ApproverDecisions, its conditions and a timeline.
type requestView struct {
	Namespace         string      `json:"namespace"`
	Name              string      `json:"name"`
	UID               string      `json:"uid"`
	Description       string      `json:"description"`
	RequestedBy       string      `json:"requestedBy,omitempty"`
	Phase             v1.Phase    `json:"phase,omitempty"`
	Approvals         string      `json:"approvals,omitempty"`
	Policy            policyView  `json:"policy"`
	RequiredApprovals int         `json:"requiredApprovals"`
	AllowSelfApproval bool        `json:"allowSelfApproval"`
	Timeout           string      `json:"timeout,omitempty"`
	ExpiresAt         metav1.Time `json:"expiresAt"`
	ExecutionARN      string      `json:"executionARN,omitempty"`
	// WaitingFor says what the request waits for, its decisions admitted but not recorded yet
	// counted as made (approval.Reading.WaitingFor).
	WaitingFor string `json:"waitingFor,omitempty"`
	// You are the plugin's user, and YourSlots the slots they may decide now
	// (approval.Reading.OpenTo).
	You           string             `json:"you,omitempty"`
	YourSlots     []string           `json:"yourSlots,omitempty"`
	Approvers     []approverView     `json:"approvers"`
	Decisions     []decisionView     `json:"decisions"`
	Notifications []notificationView `json:"notifications"`
	Conditions    []metav1.Condition `json:"conditions"`
	Timeline      []event            `json:"timeline"`
}

// approverView is one slot: who may decide it and what they decided.
type approverView struct {
	Slot      string       `json:"slot"`
	Users     []string     `json:"users,omitempty"`
	Groups    []string     `json:"groups,omitempty"`
	Decision  v1.Decision  `json:"decision,omitempty"`
	DecidedBy string       `json:"decidedBy,omitempty"`
	DecidedAt *metav1.Time `json:"decidedAt,omitempty"`
	Comment   string       `json:"comment,omitempty"`
	Source    string       `json:"source,omitempty"`
	SentAt    *metav1.Time `json:"sentAt,omitempty"`
}

// policyView says which policy decides the request: the copy of a GatePolicy it runs under
// (status.policy), one it still waits for, or its own spec (inline).
type policyView struct {
	// Source is "GatePolicy" or "inline".
	Source          string       `json:"source"`
	Name            string       `json:"name,omitempty"`
	Captured        bool         `json:"captured"`
	Generation      int64        `json:"generation,omitempty"`
	Digest          string       `json:"digest,omitempty"`
	CapturedAt      *metav1.Time `json:"capturedAt,omitempty"`
	StateMachineARN string       `json:"stateMachineARN,omitempty"`
}

// policyViewOf describes the policy of req.
func policyViewOf(req *v1.ApprovalRequest) policyView {
	policy := approval.PolicyOf(req)
	v := policyView{Source: "inline", Captured: policy != nil, StateMachineARN: approval.StateMachineOf(policy)}
	if req.Spec.PolicyRef == nil {
		return v
	}
	v.Source, v.Name = "GatePolicy", req.Spec.PolicyRef.Name
	if c := req.Status.Policy; policy != nil {
		v.Generation, v.Digest, v.CapturedAt = c.Generation, c.Digest, c.CapturedAt
	}
	return v
}

// decisionView is one ApproverDecision of the request and the operator's answer to it.
type decisionView struct {
	Name      string           `json:"name"`
	Slot      string           `json:"slot"`
	Decision  v1.Decision      `json:"decision"`
	Comment   string           `json:"comment,omitempty"`
	CreatedAt metav1.Time      `json:"createdAt"`
	Phase     v1.DecisionPhase `json:"phase,omitempty"`
	Message   string           `json:"message,omitempty"`
	DecidedBy string           `json:"decidedBy,omitempty"`
}

// viewOf builds the view of req from the request and the namespace's ApproverDecisions (those
// of other requests are left out): its slots as its ledger shows them, and what it waits for
// with the decisions admitted but not recorded yet (withPending).
func viewOf(req *v1.ApprovalRequest, decisions []v1.ApproverDecision) requestView {
	reading := readingOf(req)
	v := requestView{
		Namespace: req.Namespace, Name: req.Name, UID: string(req.UID), Description: req.Spec.Description,
		RequestedBy: requesterOf(req), Phase: req.Status.Phase, Approvals: req.Status.Approvals,
		RequiredApprovals: reading.Tally.Required,
		AllowSelfApproval: reading.SelfApproval,
		Policy:            policyViewOf(req),
		ExpiresAt:         metav1.NewTime(approval.ExpiresAt(req)),
		ExecutionARN:      req.Status.ExecutionARN,
		WaitingFor:        readingOf(withPending(req, decisions)).WaitingFor(0),
		Approvers:         []approverView{}, Decisions: []decisionView{},
		Conditions: slices.Clone(req.Status.Conditions),
	}
	if req.Spec.Timeout != nil {
		v.Timeout = req.Spec.Timeout.Duration.String()
	}
	if v.Conditions == nil {
		v.Conditions = []metav1.Condition{}
	}
	for _, s := range reading.Slots {
		v.Approvers = append(v.Approvers, approverView{
			Slot: s.Name, Users: s.Users, Groups: s.Groups, Decision: s.Status.Decision, DecidedBy: s.Status.DecidedBy,
			DecidedAt: s.Status.DecidedAt, Comment: s.Status.Comment, Source: s.Status.Source, SentAt: s.Status.SentAt,
		})
	}
	for _, d := range decisions {
		if !decidesRequest(&d, req) {
			continue
		}
		v.Decisions = append(v.Decisions, decisionView{
			Name: d.Name, Slot: d.Spec.Approver, Decision: d.Spec.Decision, Comment: d.Spec.Comment, CreatedAt: d.CreationTimestamp,
			Phase: d.Status.Phase, Message: d.Status.Message, DecidedBy: d.Status.DecidedBy,
		})
	}
	slices.SortStableFunc(v.Decisions, func(a, b decisionView) int { return a.CreatedAt.Compare(b.CreatedAt.Time) })
	v.Notifications = notificationsOf(req)
	v.Timeline = timelineOf(req, v.Decisions)
	return v
}

// forPerson adds to a view what p may do now: the slots of req they may decide, the
// decisions admitted but not recorded yet counted as made (withPending).
func (v *requestView) forPerson(req *v1.ApprovalRequest, decisions []v1.ApproverDecision, p person) {
	v.You, v.YourSlots = p.Username, slotNames(openSlotsFor(withPending(req, decisions), p))
}

// decidesRequest reports whether d is a decision on req: named for it and, once the webhook
// bound it, owned by this request (not by an earlier request of the same name).
func decidesRequest(d *v1.ApproverDecision, req *v1.ApprovalRequest) bool {
	if d.Namespace != req.Namespace || d.Spec.ApprovalRequestName != req.Name {
		return false
	}
	for _, o := range d.OwnerReferences {
		if o.Kind == "ApprovalRequest" && o.APIVersion == v1.GroupVersion.String() {
			return o.UID == req.UID
		}
	}
	return true
}

// event is one line of the timeline.
type event struct {
	At   metav1.Time `json:"at"`
	What string      `json:"what"`
}

// byTime orders events by time, keeping the order they were added in for equal times.
func byTime(events []event) []event {
	slices.SortStableFunc(events, func(a, b event) int { return a.At.Compare(b.At.Time) })
	return events
}

// at is a metav1.Time from an optional one (zero when unset).
func at(t *metav1.Time) (metav1.Time, bool) {
	if t == nil || t.IsZero() {
		return metav1.Time{}, false
	}
	return *t, true
}
