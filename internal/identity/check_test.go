package identity

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// grants is a Reviewer for pure-logic tests: the users RBAC would let approve.
type grants map[string]bool

func (g grants) Allowed(_ context.Context, u User, _ string, _ Object) (bool, string, error) {
	if u.Username == "broken" {
		return false, "", errors.New("connection refused")
	}
	return g[u.Username], "", nil
}

func TestMayDecide(t *testing.T) {
	s := testRecords(t)
	requested := func(by string, allowSelf bool) *v1.ApprovalRequest {
		req := testRequest()
		req.Spec.Approvers = append(req.Spec.Approvers, v1.Approver{Name: "bob", Users: []string{"bob", "alice", "broken"}})
		if allowSelf {
			req.Spec.Policy = &v1.ApprovalPolicy{AllowSelfApproval: true}
		}
		rec, _ := NewRequester(req, User{Username: by}, time.Now())
		text, _ := WriteRequester(rec)
		req.Annotations = map[string]string{v1.RequesterAnnotation: text}
		return req
	}
	checker := &Checker{Records: s, Reviewer: grants{"alice": true, "carol": true, "dave": true, "bob": true}}
	cases := []struct {
		name    string
		req     *v1.ApprovalRequest
		slot    string
		by      User
		decided map[string]string
		reason  string // "" = allowed
		message string
	}{
		{name: "alice on her slot", req: requested("dave", false), slot: "alice", by: User{Username: "alice"}},
		{name: "a member of the slot's group", req: requested("dave", false), slot: "sre", by: User{Username: "carol", Groups: []string{"sre"}}},
		{name: "mallory on alice's slot", req: requested("dave", false), slot: "alice", by: User{Username: "mallory"},
			reason: v1.ReasonNotAnApprover, message: "mallory may not decide slot alice: it is for users [alice] and groups [none]"},
		{name: "a group member without the approve verb", req: requested("dave", false), slot: "sre", by: User{Username: "erin", Groups: []string{"sre"}},
			reason: v1.ReasonNoApproveVerb, message: `erin may not approve approvalrequests/deploy in namespace team-a: RBAC grants no verb "approve"`},
		{name: "the approve verb but not in the slot", req: requested("dave", false), slot: "sre", by: User{Username: "dave"},
			reason: v1.ReasonNotAnApprover},
		{name: "the requester on their own request", req: requested("alice", false), slot: "alice", by: User{Username: "alice"},
			reason: v1.ReasonSelfApproval, message: "alice created this request and may not decide it (spec.policy.allowSelfApproval is false)"},
		{name: "the requester when the policy allows it", req: requested("alice", true), slot: "alice", by: User{Username: "alice"}},
		{name: "one person on a second slot", req: requested("dave", false), slot: "bob", by: User{Username: "alice"}, decided: map[string]string{"alice": "alice"},
			reason: v1.ReasonAlreadyCounted, message: "alice already decided slot alice of this request: one person counts once"},
		{name: "the same slot again is not a second slot", req: requested("dave", false), slot: "alice", by: User{Username: "alice"}, decided: map[string]string{"alice": "alice"}},
		{name: "an unknown slot", req: requested("dave", false), slot: "zed", by: User{Username: "alice"},
			reason: v1.ReasonUnknownSlot, message: `the request has no approver slot "zed"`},
		{name: "a request created without the webhook", req: testRequest(), slot: "alice", by: User{Username: "alice"},
			reason: v1.ReasonUnverifiedCreator, message: "the request's creator is not on record"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := checker.MayDecide(context.Background(), c.req, c.slot, c.by, c.decided)
			if c.reason == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			r, ok := AsRefusal(err)
			if !ok || r.Reason != c.reason || !strings.Contains(r.Message, c.message) {
				t.Fatalf("MayDecide = %v, want %s containing %q", err, c.reason, c.message)
			}
		})
	}
	t.Run("an authorizer that does not answer is an error, not a refusal", func(t *testing.T) {
		err := checker.MayDecide(context.Background(), requested("dave", false), "bob", User{Username: "broken"}, nil)
		if _, refused := AsRefusal(err); err == nil || refused {
			t.Fatalf("MayDecide = %v, want a plain error", err)
		}
	})
}
