package gitops

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
)

// settle is how long a request may take to reach a state the test waits for.
const settle = 30 * time.Second

// waitFor polls a request (from the API server) until done says so, or fails at the deadline
// with the last status seen.
func (c *cluster) waitFor(ctx context.Context, name, what string, done func(*v1.ApprovalRequest) bool) error {
	deadline := time.Now().Add(settle)
	for {
		_, r, err := c.read(ctx, name)
		if err != nil {
			return err
		}
		if done(r) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: not %s after %s; status: %+v", name, what, settle, r.Status)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// waitTokens waits until every slot of the policy the request runs under holds its task token.
func (c *cluster) waitTokens(ctx context.Context, name string) error {
	return c.waitFor(ctx, name, "holding a token per slot", func(r *v1.ApprovalRequest) bool {
		held := 0
		for _, s := range r.Status.Approvers {
			if s.TaskToken != "" {
				held++
			}
		}
		slots := approval.Slots(approval.PolicyOf(r))
		return len(slots) > 0 && held == len(slots)
	})
}

// waitConcluded waits until the request reached phase and the operator concluded it: its
// conditions say so and it holds no finalizer.
func (c *cluster) waitConcluded(ctx context.Context, name string, phase v1.Phase) error {
	return c.waitFor(ctx, name, "concluded "+string(phase), func(r *v1.ApprovalRequest) bool {
		ready := meta.FindStatusCondition(r.Status.Conditions, v1.ConditionReady)
		return r.Status.Phase == phase && len(r.Finalizers) == 0 && ready != nil && ready.Reason == string(phase)
	})
}

// slotSent reports whether a slot's decision reached Step Functions.
func slotSent(r *v1.ApprovalRequest, slot string) bool {
	return slotHas(r, slot, func(s *v1.ApproverStatus) bool { return s.SentAt != nil })
}

// slotHolds reports whether the slot's task token is in status.
func slotHolds(r *v1.ApprovalRequest, slot string) bool {
	return slotHas(r, slot, func(s *v1.ApproverStatus) bool { return s.TaskToken != "" })
}

func slotHas(r *v1.ApprovalRequest, slot string, holds func(*v1.ApproverStatus) bool) bool {
	for i := range r.Status.Approvers {
		if s := &r.Status.Approvers[i]; s.Name == slot {
			return holds(s)
		}
	}
	return false
}

// waitGone waits until a deleted request is gone (the operator stopped its execution and
// released it).
func (c *cluster) waitGone(ctx context.Context, name string) error {
	deadline := time.Now().Add(settle)
	for {
		_, _, err := c.read(ctx, name)
		if apierrors.IsNotFound(err) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: still there %s after its deletion (%v)", name, settle, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
