package identity

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// Reasons a decision is refused, for messages, events and metrics.
const (
	ReasonUnknownSlot        = "UnknownSlot"
	ReasonNotAnApprover      = "NotAnApprover"
	ReasonNoApproveVerb      = "NoApproveVerb"
	ReasonSelfApproval       = "SelfApproval"
	ReasonAlreadyCounted     = "AlreadyCounted"
	ReasonUnverifiedCreator  = "UnverifiedRequester"
	ReasonUnverifiedDecision = "UnverifiedDecision"
	// The request takes no decision whoever makes it: it ended (or never started), or the
	// slot holds another decision already.
	ReasonRequestClosed = "RequestClosed"
	ReasonSlotDecided   = "SlotDecided"
)

// Refusal is a decision the check turns down, with a reason and a message for the person.
type Refusal struct {
	Reason  string
	Message string
}

func (r *Refusal) Error() string { return r.Message }

// AsRefusal returns err's Refusal, if it is one.
func AsRefusal(err error) (*Refusal, bool) {
	var r *Refusal
	ok := errors.As(err, &r)
	return r, ok
}

func refuse(reason, format string, args ...any) *Refusal {
	return &Refusal{Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// Reviewer asks the cluster's authorizer whether a user holds a verb on a request: `approve`
// to decide it, `delete-any` to delete a request someone else created.
type Reviewer interface {
	Allowed(ctx context.Context, u User, verb, namespace, name string) (allowed bool, reason string, err error)
}

// Checker is the one check that decides who may decide. The admission webhook runs it before
// it admits (and signs) a decision; the controller runs it again before it records one.
type Checker struct {
	Records  *Signer
	Reviewer Reviewer
}

// MayDecide returns nil when by may decide slot of req, a *Refusal when they may not, and any
// other error when the answer could not be had (the authorizer did not answer). decided names
// who decided the request's other slots so far (slot → user name).
func (c *Checker) MayDecide(ctx context.Context, req *v1.ApprovalRequest, slot string, by User, decided map[string]string) error {
	a := approverOf(req, slot)
	if a == nil {
		return refuse(ReasonUnknownSlot, "the request has no approver slot %q", slot)
	}
	if !slices.Contains(a.Users, by.Username) && !by.InGroup(a.Groups) {
		return refuse(ReasonNotAnApprover, "%s may not decide slot %s: it is for users [%s] and groups [%s]",
			by, slot, describeGroups(a.Users), describeGroups(a.Groups))
	}
	requester, err := c.Records.RequesterOf(req)
	if err != nil {
		return refuse(ReasonUnverifiedCreator, "the request's creator is not on record (%v): it was created without tollgate's admission webhook; delete and recreate it", err)
	}
	if requester.Username == by.Username && !allowsSelfApproval(req) {
		return refuse(ReasonSelfApproval, "%s created this request and may not decide it (spec.policy.allowSelfApproval is false)", by)
	}
	for _, other := range slices.Sorted(maps.Keys(decided)) {
		if other != slot && decided[other] == by.Username {
			return refuse(ReasonAlreadyCounted, "%s already decided slot %s of this request: one person counts once", by, other)
		}
	}
	allowed, why, err := c.Reviewer.Allowed(ctx, by, v1.ApproveVerb, req.Namespace, req.Name)
	if err != nil {
		return fmt.Errorf("asking the cluster whether %s may approve %s/%s: %w", by, req.Namespace, req.Name, err)
	}
	if !allowed {
		msg := fmt.Sprintf("%s may not approve approvalrequests/%s in namespace %s: RBAC grants no verb %q on approvalrequests.%s",
			by, req.Name, req.Namespace, v1.ApproveVerb, v1.GroupVersion.Group)
		if why != "" {
			msg += " (" + why + ")"
		}
		return refuse(ReasonNoApproveVerb, "%s", msg)
	}
	return nil
}

// LedgerDeciders names who decided each slot in a request's status (the ledger).
func LedgerDeciders(req *v1.ApprovalRequest) map[string]string {
	out := map[string]string{}
	for _, s := range req.Status.Approvers {
		if (s.Decision == v1.DecisionApprove || s.Decision == v1.DecisionReject) && s.DecidedBy != "" {
			out[s.Name] = s.DecidedBy
		}
	}
	return out
}

func approverOf(req *v1.ApprovalRequest, slot string) *v1.Approver {
	for i := range req.Spec.Approvers {
		if req.Spec.Approvers[i].Name == slot {
			return &req.Spec.Approvers[i]
		}
	}
	return nil
}

func allowsSelfApproval(req *v1.ApprovalRequest) bool {
	return req.Spec.Policy != nil && req.Spec.Policy.AllowSelfApproval
}
