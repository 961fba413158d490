package approval

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// ContractVersion tags every document tollgate writes to Step Functions.
const ContractVersion = "v1alpha1"

// Error names of the contract (docs/stepfunctions-contract.md).
const (
	ErrorRejected        = "tollgate.Rejected"
	ErrorExpired         = "tollgate.Expired"
	ErrorQuorumReached   = "tollgate.QuorumReached"
	ErrorInconclusive    = "tollgate.Inconclusive"
	ErrorRequestNotFound = "tollgate.RequestNotFound"
	ErrorUnknownApprover = "tollgate.UnknownApprover"
	ErrorStopped         = "tollgate.Deleted"
	// ErrorForeignExecution answers a task of another execution than its request's own.
	ErrorForeignExecution = "tollgate.ForeignExecution"
)

// Task kinds of the activity task input.
const (
	TaskApproval = "approval"
	TaskOutcome  = "outcome"
)

// maxUnboundedWait is how long a request without a timeout waits: under the one-year cap.
const maxUnboundedWait = 364 * 24 * time.Hour

// Identity is the `tollgate` object of the execution input, copied into every task input: it
// names the installation and the request a task belongs to.
type Identity struct {
	Version           string    `json:"version"`
	Cluster           string    `json:"cluster"`
	Namespace         string    `json:"namespace"`
	Name              string    `json:"name"`
	UID               string    `json:"uid"`
	RequiredApprovals int       `json:"requiredApprovals"`
	ApproverCount     int       `json:"approverCount"`
	ExpiresAt         time.Time `json:"expiresAt"`
	HeartbeatSeconds  int       `json:"heartbeatSeconds"`
	// Policy names the GatePolicy copy the request runs under (absent for a request that names
	// its own approvers).
	Policy *PolicyIdentity `json:"policy,omitempty"`
}

// PolicyIdentity names a request's captured GatePolicy in the execution input: the same name,
// generation and digest as its status.policy.
type PolicyIdentity struct {
	Name       string `json:"name"`
	Generation int64  `json:"generation"`
	Digest     string `json:"digest"`
}

// ExecutionInput is the document StartExecution carries.
type ExecutionInput struct {
	Tollgate    Identity        `json:"tollgate"`
	Description string          `json:"description"`
	Approvers   []InputApprover `json:"approvers"`
	Payload     json.RawMessage `json:"payload"`
}

// InputApprover is one slot in the execution input.
type InputApprover struct {
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
}

// ExpiresAt is when a request expires: its creation plus its timeout (or the unbounded wait).
// It derives from the object alone, so a retried StartExecution carries the same input.
func ExpiresAt(req *v1.ApprovalRequest) time.Time {
	wait := maxUnboundedWait
	if req.Spec.Timeout != nil {
		wait = req.Spec.Timeout.Duration
	}
	return req.CreationTimestamp.Add(wait).UTC()
}

// ExecutionName is the deterministic execution name of a request: a retry after a crash can
// never start a second execution.
func ExecutionName(req *v1.ApprovalRequest) string {
	return "tollgate-" + string(req.UID)
}

// MachineOf is the state machine a request runs on: its policy's (PolicyOf, StateMachineOf),
// else the installation's default. A request under a GatePolicy it has not captured yet has none
// of its own yet and reads as the default's; it has no execution either.
func MachineOf(req *v1.ApprovalRequest, defaultMachine string) string {
	if m := StateMachineOf(PolicyOf(req)); m != "" {
		return m
	}
	return defaultMachine
}

// ExecutionARNOf derives an execution's ARN from its machine's ARN and its name.
func ExecutionARNOf(machineARN, name string) string {
	return strings.Replace(machineARN, ":stateMachine:", ":execution:", 1) + ":" + name
}

// OwnExecution is the ARN of the request's own execution: the one on record, or, before it is
// recorded, the one its machine and deterministic name give ("" without a machine, or under a
// GatePolicy not captured yet: such a request has no execution).
func OwnExecution(req *v1.ApprovalRequest, defaultMachine string) string {
	if req.Status.ExecutionARN != "" {
		return req.Status.ExecutionARN
	}
	if PolicyOf(req) == nil {
		return ""
	}
	if m := MachineOf(req, defaultMachine); m != "" {
		return ExecutionARNOf(m, ExecutionName(req))
	}
	return ""
}

// BuildExecutionInput renders the execution input of a request, from the policy it runs under
// (PolicyOf): a request under a GatePolicy that has not captured it has none yet
// (ErrPolicyNotCaptured).
func BuildExecutionInput(req *v1.ApprovalRequest, cluster string, heartbeatSeconds int) ([]byte, error) {
	p := PolicyOf(req)
	if p == nil {
		return nil, ErrPolicyNotCaptured
	}
	in := ExecutionInput{
		Tollgate: Identity{
			Version:           ContractVersion,
			Cluster:           cluster,
			Namespace:         req.Namespace,
			Name:              req.Name,
			UID:               string(req.UID),
			RequiredApprovals: RequiredApprovals(p),
			ApproverCount:     len(p.Approvers),
			ExpiresAt:         ExpiresAt(req),
			HeartbeatSeconds:  heartbeatSeconds,
		},
		Description: req.Spec.Description,
		Payload:     json.RawMessage("{}"),
	}
	if req.Spec.Payload != nil && len(req.Spec.Payload.Raw) > 0 {
		in.Payload = req.Spec.Payload.Raw
	}
	if c := req.Status.Policy; c != nil && req.Spec.PolicyRef != nil {
		in.Tollgate.Policy = &PolicyIdentity{Name: c.Name, Generation: c.Generation, Digest: c.Digest}
	}
	for _, a := range p.Approvers {
		in.Approvers = append(in.Approvers, InputApprover{Name: a.Name, Email: a.Email})
	}
	b, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("rendering the execution input: %w", err)
	}
	if len(b) > MaxPayloadBytes {
		return nil, fmt.Errorf("%w: the execution input is %d bytes, Step Functions takes at most %d (shrink spec.payload)", ErrTooLarge, len(b), MaxPayloadBytes)
	}
	return b, nil
}

// MaxPayloadBytes is Step Functions' limit on an execution's input.
const MaxPayloadBytes = 256 * 1024

// ErrTooLarge marks an input Step Functions would refuse.
var ErrTooLarge = errors.New("input too large")

// TaskInput is what tollgate reads from an activity task.
type TaskInput struct {
	Tollgate Identity `json:"tollgate"`
	// ExecutionArn is the execution that scheduled the task, which the machine copies from the
	// context object ($$.Execution.Id): the input of an execution is anyone's to write.
	ExecutionArn string `json:"executionArn"`
	Task         string `json:"task"`
	Approver     string `json:"approver,omitempty"`
	Outcome      string `json:"outcome,omitempty"`
	Error        string `json:"error,omitempty"`
	Cause        string `json:"cause,omitempty"`
}

// ParseTaskInput reads an activity task's input and checks it names a request and, for an
// approval task, a slot.
func ParseTaskInput(raw []byte) (*TaskInput, error) {
	var in TaskInput
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, fmt.Errorf("activity task input is not tollgate's contract: %w", err)
	}
	t := in.Tollgate
	switch {
	case t.Namespace == "" || t.Name == "" || t.UID == "":
		return nil, errors.New("activity task input lacks tollgate.namespace, tollgate.name or tollgate.uid")
	case in.Task == TaskApproval && in.Approver == "":
		return nil, errors.New("approval task input lacks the approver slot name")
	case in.Task != TaskApproval && in.Task != TaskOutcome:
		return nil, fmt.Errorf("activity task input has unknown task %q (want %q or %q)", in.Task, TaskApproval, TaskOutcome)
	}
	return &in, nil
}

// DecisionOutput is the document a decision delivers: SendTaskSuccess's output for an
// approval, SendTaskFailure's cause for a rejection.
type DecisionOutput struct {
	Approver  string    `json:"approver"`
	Decision  string    `json:"decision"`
	DecidedBy string    `json:"decidedBy"`
	DecidedAt time.Time `json:"decidedAt"`
	Comment   string    `json:"comment"`
	Quorum    Verdict   `json:"quorum"`
}

// BuildDecisionOutput renders a slot's recorded decision with the tally's verdict after it.
func BuildDecisionOutput(s *v1.ApproverStatus, verdict Verdict) (string, error) {
	out := DecisionOutput{
		Approver:  s.Name,
		Decision:  decisionWord(s.Decision),
		DecidedBy: s.DecidedBy,
		Comment:   s.Comment,
		Quorum:    verdict,
	}
	if s.DecidedAt != nil {
		out.DecidedAt = s.DecidedAt.UTC()
	}
	b, err := json.Marshal(out)
	if err != nil {
		return "", fmt.Errorf("rendering the decision of %s: %w", s.Name, err)
	}
	return string(b), nil
}

func decisionWord(d v1.Decision) string {
	if d == v1.DecisionReject {
		return "reject"
	}
	return "approve"
}

// SameInput reports whether two execution inputs are the same document (Step Functions keeps
// an input as it was given; the comparison is of the JSON values, not their spelling).
func SameInput(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
