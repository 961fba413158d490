package approval

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// ErrPolicyNotCaptured marks a request under a GatePolicy that has not copied it yet: it has no
// slots, nothing decides it, and it has no execution.
var ErrPolicyNotCaptured = errors.New("the request's GatePolicy is not captured yet")

// PolicyOf is the policy a request is decided by, and the one way anything reads a request's
// approver slots, quorum, self-approval and state machine (admission, the operator, the plugin):
//   - for a request under a GatePolicy (spec.policyRef), the copy it captured when it started
//     (status.policy), so a later edit or deletion of the policy changes nothing for it; nil
//     until then (no slots: nothing decides it);
//   - for a request without one, its own spec (immutable).
//
// A copy that names another policy than the request's reference counts for nothing (nil).
func PolicyOf(req *v1.ApprovalRequest) *v1.GatePolicySpec {
	ref, captured := req.Spec.PolicyRef, req.Status.Policy
	switch {
	case ref == nil:
		return &v1.GatePolicySpec{Approvers: req.Spec.Approvers, Policy: req.Spec.Policy, StateMachineARN: req.Spec.StateMachineARN}
	case captured == nil || captured.Name != ref.Name:
		return nil
	}
	return &captured.Spec
}

// RouteOf is the notification route a request's notifications take: its policy's pick (the
// copy it captured), else its own (spec.notification), else "" (the route named default). A
// route is a name among those administrators defined, never a destination.
func RouteOf(req *v1.ApprovalRequest) string {
	if p := PolicyOf(req); p != nil && req.Spec.PolicyRef != nil && p.Notification != nil && p.Notification.Route != "" {
		return p.Notification.Route
	}
	if req.Spec.Notification != nil {
		return req.Spec.Notification.Route
	}
	return ""
}

// Slots are a policy's approver slots (none for nil).
func Slots(p *v1.GatePolicySpec) []v1.Approver {
	if p == nil {
		return nil
	}
	return p.Approvers
}

// Slot finds a policy's slot by name (nil when it has none).
func Slot(p *v1.GatePolicySpec, name string) *v1.Approver {
	slots := Slots(p)
	for i := range slots {
		if slots[i].Name == name {
			return &slots[i]
		}
	}
	return nil
}

// RequiredApprovals is the effective N of an N-of-M policy: every approver unless the policy
// says otherwise (0 for no policy, which no tally reaches: see Tally.Verdict).
func RequiredApprovals(p *v1.GatePolicySpec) int {
	if p != nil && p.Policy != nil && p.Policy.RequiredApprovals != nil {
		return int(*p.Policy.RequiredApprovals)
	}
	return len(Slots(p))
}

// AllowsSelfApproval reports whether a policy lets the requester decide a slot.
func AllowsSelfApproval(p *v1.GatePolicySpec) bool {
	return p != nil && p.Policy != nil && p.Policy.AllowSelfApproval
}

// StateMachineOf is the state machine a policy names ("" for the operator's default).
func StateMachineOf(p *v1.GatePolicySpec) string {
	if p == nil {
		return ""
	}
	return p.StateMachineARN
}

// Capture is the copy of a GatePolicy a request starts under (status.policy).
func Capture(p *v1.GatePolicy, at metav1.Time) (*v1.CapturedPolicy, error) {
	digest, err := Digest(&p.Spec)
	if err != nil {
		return nil, fmt.Errorf("digesting GatePolicy %s/%s: %w", p.Namespace, p.Name, err)
	}
	return &v1.CapturedPolicy{
		Name: p.Name, UID: string(p.UID), Generation: p.Generation, Digest: digest, CapturedAt: &at, Spec: *p.Spec.DeepCopy(),
	}, nil
}

// CheckCapture says whether c is a faithful copy of live, the GatePolicy as it stands now: the
// same object (name, UID), generation and spec, and a digest of that spec.
func CheckCapture(c *v1.CapturedPolicy, live *v1.GatePolicy) error {
	own, err := Digest(&c.Spec)
	if err != nil {
		return err
	}
	want, err := Digest(&live.Spec)
	if err != nil {
		return err
	}
	switch {
	case c.Digest != own:
		return fmt.Errorf("its digest %s is not the digest of the spec it holds (%s)", c.Digest, own)
	case c.Name != live.Name || c.UID != string(live.UID):
		return fmt.Errorf("it is of GatePolicy %s (uid %s), not of %s (uid %s)", c.Name, c.UID, live.Name, live.UID)
	case c.Generation != live.Generation || c.Digest != want:
		return fmt.Errorf("it holds generation %d (digest %s), and GatePolicy %s is at generation %d (digest %s)", c.Generation, c.Digest, live.Name, live.Generation, want)
	}
	return nil
}

// Digest is the SHA-256 (hex) of v in a canonical JSON form (object keys sorted, numbers as
// the API server's JSON carries them), so the webhooks, the operator and the execution input
// agree on it from their own copies.
func Digest(v any) (string, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encoding: %w", err)
	}
	var generic any
	if err := json.Unmarshal(raw, &generic); err != nil {
		return "", fmt.Errorf("normalising: %w", err)
	}
	canonical, err := json.Marshal(generic)
	if err != nil {
		return "", fmt.Errorf("normalising: %w", err)
	}
	sum := sha256.Sum256(canonical)
	return hex.EncodeToString(sum[:]), nil
}
