package gitops

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
	"github.com/tollgate-dev/tollgate/internal/devenv"
)

// driver takes a request to an outcome: shape changes it before it is applied (a short
// timeout, another state machine), run acts as the people and AWS would and returns once the
// operator has written the outcome. A zero driver leaves the request as applied.
type driver struct {
	shape func(ctx context.Context, c *cluster, obj *unstructured.Unstructured) error
	run   func(ctx context.Context, c *cluster, name string) error
}

// pending: alice approved, the security on-call has not decided yet.
var pending = driver{run: func(ctx context.Context, c *cluster, name string) error {
	if err := c.decide(ctx, name, "alice", "approve", ""); err != nil {
		return err
	}
	return c.waitFor(ctx, name, "alice's approval delivered, security's token held", func(r *v1.ApprovalRequest) bool {
		ready := meta.FindStatusCondition(r.Status.Conditions, v1.ConditionReady)
		return ready != nil && ready.Message == "1/2 approvals; waiting for security" && slotSent(r, "alice") && slotHolds(r, "security")
	})
}}

// approved: both slots approve.
var approved = driver{run: func(ctx context.Context, c *cluster, name string) error {
	if err := c.decide(ctx, name, "alice", "approve", ""); err != nil {
		return err
	}
	if err := c.decide(ctx, name, "security", "approve", "reviewed the image scan"); err != nil {
		return err
	}
	return c.waitConcluded(ctx, name, v1.PhaseApproved)
}}

// rejected: alice approves, the security on-call rejects (all must approve).
var rejected = driver{run: func(ctx context.Context, c *cluster, name string) error {
	if err := c.decide(ctx, name, "alice", "approve", ""); err != nil {
		return err
	}
	if err := c.decide(ctx, name, "security", "reject", "CVE-2026-1234 in the base image"); err != nil {
		return err
	}
	return c.waitConcluded(ctx, name, v1.PhaseRejected)
}}

// expired: nobody decides within the timeout (the shortest the API allows); Step Functions'
// clock is moved past it instead of waiting.
var expired = driver{
	shape: func(_ context.Context, _ *cluster, obj *unstructured.Unstructured) error {
		return unstructured.SetNestedField(obj.Object, "1m", "spec", "timeout")
	},
	run: func(ctx context.Context, c *cluster, name string) error {
		if err := c.waitTokens(ctx, name); err != nil {
			return err
		}
		_, typed, err := c.read(ctx, name)
		if err != nil {
			return err
		}
		c.clock.Advance(approval.ExpiresAt(typed).Sub(c.clock.Now()) + time.Second)
		return c.waitConcluded(ctx, name, v1.PhaseExpired)
	},
}

// aborted: someone stops the execution in Step Functions (the AWS console), outside tollgate.
var aborted = driver{run: func(ctx context.Context, c *cluster, name string) error {
	if err := c.waitTokens(ctx, name); err != nil {
		return err
	}
	_, typed, err := c.read(ctx, name)
	if err != nil {
		return err
	}
	_, err = c.env.Endpoint.Client.StopExecution(ctx, &sfn.StopExecutionInput{
		ExecutionArn: aws.String(typed.Status.ExecutionARN), Error: aws.String("Console.Stopped"), Cause: aws.String("stopped by an AWS administrator"),
	})
	if err != nil {
		return fmt.Errorf("stopping the execution of %s: %w", name, err)
	}
	return c.waitConcluded(ctx, name, v1.PhaseAborted)
}}

// brokenMachine is a team's own state machine whose first step fails for a reason that is no
// verdict.
const brokenMachine = `{"Comment": "a team's own machine: its notification step fails",
 "StartAt": "Notify", "States": {"Notify": {"Type": "Fail", "Error": "Notify.TopicNotFound", "Cause": "the notification topic does not exist"}}}`

// failed: the state machine of the request's policy (a team's own) fails.
var failed = driver{
	shape: func(ctx context.Context, c *cluster, obj *unstructured.Unstructured) error {
		out, err := c.env.Endpoint.Client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
			Name: aws.String("payments-notify"), Definition: aws.String(brokenMachine),
			RoleArn: aws.String("arn:aws:iam::" + devenv.Account + ":role/tollgate-approval"),
		})
		if err != nil {
			return fmt.Errorf("creating the failing state machine: %w", err)
		}
		return c.underPolicy(ctx, obj, "payments-notify", aws.ToString(out.StateMachineArn))
	},
	run: func(ctx context.Context, c *cluster, name string) error {
		return c.waitConcluded(ctx, name, v1.PhaseFailed)
	},
}

// startBlocked: the request's policy names a state machine that does not exist, which only an
// administrator can fix: Step Functions refuses the start (the operator retries).
var startBlocked = driver{
	shape: func(ctx context.Context, c *cluster, obj *unstructured.Unstructured) error {
		arn := "arn:aws:states:" + devenv.Region + ":" + devenv.Account + ":stateMachine:payments-approval"
		return c.underPolicy(ctx, obj, "payments-missing-machine", arn)
	},
	run: func(ctx context.Context, c *cluster, name string) error {
		return c.waitFor(ctx, name, "the start blocked", func(r *v1.ApprovalRequest) bool {
			stalled := meta.FindStatusCondition(r.Status.Conditions, v1.ConditionStalled)
			return stalled != nil && stalled.Status == "True" && stalled.Reason == "StartBlocked"
		})
	},
}

// policyNotFound: the request references a policy its administrators have not written yet (a
// sync that applies the request before its policy): it waits, in progress, and starts once the
// policy exists.
var policyNotFound = driver{
	shape: func(ctx context.Context, c *cluster, obj *unstructured.Unstructured) error {
		return c.underPolicy(ctx, obj, "payments-later", "")
	},
	run: func(ctx context.Context, c *cluster, name string) error {
		return c.waitFor(ctx, name, "waiting for its policy", func(r *v1.ApprovalRequest) bool {
			ready := meta.FindStatusCondition(r.Status.Conditions, v1.ConditionReady)
			return ready != nil && ready.Reason == v1.ReasonPolicyNotFound
		})
	},
}
