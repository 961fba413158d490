package identity

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
)

// Refusal is a decision the check turns down, with a reason and a message for the person.
type Refusal struct {
	Reason  string
	Message string
	// Brief, when set, says the same without what the request holds about other people (who
	// may decide a slot, who decided it): for answers to callers who may not have read the
	// request (a webhook cannot tell the API server from anyone else who calls it).
	Brief string
}

// Briefly is err with its Brief message, when it is a Refusal that has one.
func Briefly(err error) error {
	if r, ok := AsRefusal(err); ok && r.Brief != "" {
		return &Refusal{Reason: r.Reason, Message: r.Brief}
	}
	return err
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

// Reviewer asks the cluster's authorizer whether a user holds a verb on an object of tollgate's
// API group: `approve` to decide a request, `delete-any` to delete a request someone else
// created, `use` to reference a GatePolicy, `self-approve` and `choose-state-machine` for the
// inline fields of a request without a policy.
type Reviewer interface {
	Allowed(ctx context.Context, u User, verb string, on Object) (allowed bool, reason string, err error)
}

// Object names what a verb is asked on: a resource of tollgate's API group, in a namespace, by
// name ("" for any object of the resource).
type Object struct {
	Resource, Namespace, Name string
}

// The resources verbs are asked on.
const (
	ResourceRequests = "approvalrequests"
	ResourcePolicies = "gatepolicies"
)

// RequestNamed is an ApprovalRequest, for a Reviewer.
func RequestNamed(namespace, name string) Object {
	return Object{Resource: ResourceRequests, Namespace: namespace, Name: name}
}

// PolicyNamed is a GatePolicy, for a Reviewer.
func PolicyNamed(namespace, name string) Object {
	return Object{Resource: ResourcePolicies, Namespace: namespace, Name: name}
}

// String names the object as RBAC does: gatepolicies/NAME in namespace NS.
func (o Object) String() string {
	name := o.Resource
	if o.Name != "" {
		name += "/" + o.Name
	}
	return fmt.Sprintf("%s in namespace %s", name, o.Namespace)
}

// Checker is the one check that decides who may decide. Admission runs it whole (MayDecide),
// in the validating phase, for the person the API server authenticated; the controller runs
// its eligibility part again (Eligible) for the person a stored record names, before it
// records a decision.
type Checker struct {
	Records  *Records
	Reviewer Reviewer
}

// MayDecide returns nil when by may decide slot of req, a *Refusal when they may not, and any
// other error when the answer could not be had (the authorizer did not answer). decided names
// who decided the request's other slots so far (slot → user name). It is Eligible, then the
// verb approve asked of the cluster's authorizer with by's whole identity (groups and extra
// fields included, as the API server gave them).
func (c *Checker) MayDecide(ctx context.Context, req *v1.ApprovalRequest, slot string, by User, decided map[string]string) error {
	if err := c.Eligible(req, slot, by, decided); err != nil {
		return err
	}
	allowed, why, err := c.Reviewer.Allowed(ctx, by, v1.ApproveVerb, RequestNamed(req.Namespace, req.Name))
	if err != nil {
		return fmt.Errorf("asking the cluster whether %s may approve %s/%s: %w", by, req.Namespace, req.Name, err)
	}
	if !allowed {
		msg := fmt.Sprintf("%s may not approve approvalrequests/%s in namespace %s: RBAC grants no verb %q on approvalrequests.%s",
			by, req.Name, req.Namespace, v1.ApproveVerb, v1.GroupVersion.Group)
		if why != "" {
			msg += " (" + why + ")"
		}
		return refuse(v1.ReasonNoApproveVerb, "%s", msg)
	}
	return nil
}

// Eligible is the part of the check that needs no authorizer: by is one of the slot's users or
// in one of its groups, is not the requester (unless the policy allows it), and has decided no
// other slot of the request. A record keeps the groups that made its person a member of the
// slot, so the controller can run it again from a stored record; the verb approve is asked at
// admission, where the person's whole identity is known.
func (c *Checker) Eligible(req *v1.ApprovalRequest, slot string, by User, decided map[string]string) error {
	policy := approval.PolicyOf(req)
	a := approval.Slot(policy, slot)
	switch {
	case policy == nil:
		return refuse(v1.ReasonAwaitingPolicy, "ApprovalRequest %s has not started: it waits for GatePolicy %s, and takes decisions once it runs under it", req.Name, req.Spec.PolicyRef.Name)
	case a == nil:
		return refuse(v1.ReasonUnknownSlot, "the request has no approver slot %q", slot)
	}
	if !slices.Contains(a.Users, by.Username) && !by.InGroup(a.Groups) {
		r := refuse(v1.ReasonNotAnApprover, "%s may not decide slot %s: it is for users [%s] and groups [%s]",
			by, slot, describeGroups(a.Users), describeGroups(a.Groups))
		r.Brief = fmt.Sprintf("%s may not decide slot %s of ApprovalRequest %s: not among the users and groups it names", by, slot, req.Name)
		return r
	}
	requester, err := c.Records.RequesterOf(req)
	if err != nil {
		return refuse(v1.ReasonUnverifiedCreator, "the request's creator is not on record (%v): it was created without tollgate's admission; delete and recreate it", err)
	}
	if requester.Username == by.Username && !approval.AllowsSelfApproval(policy) {
		return refuse(v1.ReasonSelfApproval, "%s created this request and may not decide it (%s)", by, selfApprovalSource(req))
	}
	for _, other := range slices.Sorted(maps.Keys(decided)) {
		if other != slot && decided[other] == by.Username {
			return refuse(v1.ReasonAlreadyCounted, "%s already decided slot %s of this request: one person counts once", by, other)
		}
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

// approverOf is a slot of the policy the request runs under (approval.PolicyOf).
func approverOf(req *v1.ApprovalRequest, slot string) *v1.Approver {
	return approval.Slot(approval.PolicyOf(req), slot)
}

// selfApprovalSource says where the request's policy forbids self-approval, for refusals.
func selfApprovalSource(req *v1.ApprovalRequest) string {
	if req.Spec.PolicyRef != nil {
		return fmt.Sprintf("GatePolicy %s does not allow self-approval", req.Spec.PolicyRef.Name)
	}
	return "spec.policy.allowSelfApproval is false"
}
