package controller

import (
	"errors"
	"fmt"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/tokenseal"
)

// TokenKeeper keeps held task tokens alive (SendTaskHeartbeat) until they are untracked.
type TokenKeeper interface {
	Track(token string, onGone func(token string))
	Untrack(token string)
}

// Tokens are the approval tasks' tokens as the operator holds them: sealed in status with a key
// only it has (tokenseal), so that whoever reads a request holds nothing Step Functions takes;
// opened only to be answered or heartbeated; kept alive by Keeper. The reconciler and the
// activity router share it.
type Tokens struct {
	Keyring *tokenseal.Keyring
	Keeper  TokenKeeper
}

// binding ties a sealed token to its request and slot.
func binding(obj *v1.ApprovalRequest, slot string) string {
	return tokenseal.Binding(string(obj.UID), slot)
}

// seal is the form of token status keeps for a slot.
func (t *Tokens) seal(obj *v1.ApprovalRequest, slot, token string) string {
	return t.Keyring.Seal(token, binding(obj, slot))
}

// open is the token status keeps for a slot. A token recorded before tokens were sealed is
// plain; one sealed with a key the operator no longer holds, or for another slot, does not
// open: its task is then let time out (no heartbeat), and Step Functions hands it out again
// with a new token, which is sealed with the current key.
func (t *Tokens) open(obj *v1.ApprovalRequest, s *v1.ApproverStatus) (string, error) {
	token, err := t.Keyring.Open(s.TaskToken, binding(obj, s.Name))
	switch {
	case errors.Is(err, tokenseal.ErrNotSealed):
		return s.TaskToken, nil
	case err != nil:
		return "", fmt.Errorf("the task token of %s: %w", s.Name, err)
	}
	return token, nil
}

// track keeps a slot's token alive; an error when it does not open.
func (t *Tokens) track(obj *v1.ApprovalRequest, s *v1.ApproverStatus, onGone func()) error {
	token, err := t.open(obj, s)
	if err != nil {
		return err
	}
	t.Keeper.Track(token, func(string) { onGone() })
	return nil
}

// untrack stops keeping a slot's token alive.
func (t *Tokens) untrack(obj *v1.ApprovalRequest, s *v1.ApproverStatus) {
	if token, err := t.open(obj, s); err == nil {
		t.Keeper.Untrack(token)
	}
}
