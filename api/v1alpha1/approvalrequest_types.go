/*
Copyright 2026.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// ApprovalRequestSpec is what is to be approved, by whom, and under which policy: a GatePolicy
// it references (policyRef), or — where the namespace does not require policies — approvers,
// a policy and a state machine of its own. The spec is immutable: a changed request is a new
// request.
// +kubebuilder:validation:XValidation:rule="has(self.policyRef) || has(self.approvers)",message="a request references a GatePolicy (policyRef) or, where its namespace allows it, names its approvers",fieldPath=".approvers"
// +kubebuilder:validation:XValidation:rule="!has(self.policyRef) || (!has(self.approvers) && !has(self.policy) && !has(self.stateMachineARN))",message="a request under a GatePolicy carries no approvers, policy or stateMachineARN of its own: the policy holds them",fieldPath=".policyRef"
// +kubebuilder:validation:XValidation:rule="!has(self.policy) || !has(self.policy.requiredApprovals) || !has(self.approvers) || self.policy.requiredApprovals <= size(self.approvers)",message="policy.requiredApprovals must not exceed the number of approvers",fieldPath=".policy.requiredApprovals"
type ApprovalRequestSpec struct {
	// description says what is being approved. It is shown to approvers (in notifications,
	// `kubectl get -o wide` and the execution input), so write it for a person.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	Description string `json:"description"`

	// policyRef names the GatePolicy (in this namespace) that decides the request: its approver
	// slots, quorum, self-approval and state machine. The requester needs the verb `use` on it.
	// A request with a policyRef carries no approvers, policy or stateMachineARN of its own; it
	// copies the policy when it starts (status.policy). Namespaces that require policies
	// (docs/policies.md) take only such requests.
	// +optional
	PolicyRef *PolicyReference `json:"policyRef,omitempty"`

	// approvers are the approval slots of a request without a policyRef. Each slot is decided
	// once, by one of the identities it names. Between 1 and 40 slots (Step Functions runs at
	// most 40 iterations of the approval Map at once, so a 41st slot would get no token until
	// another is decided); slot names are unique. A namespace that requires policies refuses a
	// request that names its own approvers.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=40
	Approvers []Approver `json:"approvers,omitempty"`

	// policy says how many approvals approve a request without a policyRef. Without it, every
	// approver must approve. allowSelfApproval: true needs the verb `self-approve` on
	// approvalrequests.
	// +optional
	Policy *ApprovalPolicy `json:"policy,omitempty"`

	// timeout is how long the request waits for its decisions, as a duration ("30m", "72h").
	// Past it the request is Expired and its execution ends. Between 1m and 8736h (364 days,
	// under Step Functions' one-year execution cap). Without it the request waits up to 364 days.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1m') && duration(self) <= duration('8736h')",message="timeout must be between 1m and 8736h"
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// payload is a free JSON object handed to the Step Functions execution input as `payload`,
	// for state machines that act on the approval (the whole execution input is limited to 256 KiB).
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	Payload *runtime.RawExtension `json:"payload,omitempty"`

	// stateMachineARN overrides the operator's default approval state machine for a request
	// without a policyRef; it needs the verb `choose-state-machine` on approvalrequests. The
	// machine must follow tollgate's activity contract (docs/stepfunctions-contract.md).
	// +optional
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^arn:aws[a-zA-Z-]*:states:[a-z0-9-]+:[0-9]{12}:stateMachine:[A-Za-z0-9_-]{1,80}$`
	StateMachineARN string `json:"stateMachineARN,omitempty"`

	// notification picks the route, among those administrators defined for the namespace, that
	// carries the request's notifications (notificationpick_types.go).
	// +optional
	Notification *NotificationPick `json:"notification,omitempty"`
}

// Approver is one approval slot: a name, and the Kubernetes identities allowed to decide it.
// +kubebuilder:validation:XValidation:rule="(has(self.users) && size(self.users) > 0) || (has(self.groups) && size(self.groups) > 0)",message="an approver must name at least one user or group"
type Approver struct {
	// name identifies the slot: a DNS-1123 label of at most 55 characters, unique in the list.
	// It is the annotation key an approver sets (`approvals.tollgate.dev/<name>=approve`) and the
	// `approver` of an ApproverDecision.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=55
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`

	// users are the Kubernetes user names (as the API server authenticates them) who may decide
	// this slot.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=20
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=253
	Users []string `json:"users,omitempty"`

	// groups are Kubernetes groups whose members may decide this slot.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=20
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=253
	Groups []string `json:"groups,omitempty"`

	// email receives the slot's notification when the state machine sends one (optional).
	// +optional
	// +kubebuilder:validation:MaxLength=254
	// +kubebuilder:validation:Pattern=`^[^@\s]+@[^@\s]+$`
	Email string `json:"email,omitempty"`
}

// ApprovalPolicy says when a request counts as approved.
type ApprovalPolicy struct {
	// requiredApprovals is how many slots must approve (N of M). It defaults to every approver.
	// The request is rejected as soon as this number can no longer be reached.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=40
	RequiredApprovals *int32 `json:"requiredApprovals,omitempty"`

	// allowSelfApproval lets the person who created the request decide one of its slots.
	// Off by default: a request is approved by people other than the one who asks.
	// +optional
	AllowSelfApproval bool `json:"allowSelfApproval,omitempty"`
}

// Phase is where a request is in its life.
// +kubebuilder:validation:Enum=Pending;Approved;Rejected;Expired;Aborted;Failed
type Phase string

const (
	// PhasePending: the execution runs and waits for decisions.
	PhasePending Phase = "Pending"
	// PhaseApproved: enough approvals are in; the execution succeeded.
	PhaseApproved Phase = "Approved"
	// PhaseRejected: the required approvals can no longer be reached.
	PhaseRejected Phase = "Rejected"
	// PhaseExpired: the timeout passed before a verdict.
	PhaseExpired Phase = "Expired"
	// PhaseAborted: the execution was stopped outside tollgate's approval flow.
	PhaseAborted Phase = "Aborted"
	// PhaseFailed: the execution could not start or failed for a reason other than a verdict.
	PhaseFailed Phase = "Failed"
)

// Decision is an approver's answer.
type Decision string

const (
	// DecisionApprove approves the slot.
	DecisionApprove Decision = "Approve"
	// DecisionReject rejects the slot.
	DecisionReject Decision = "Reject"
	// DecisionNotRequired closes a slot nobody decided because the outcome was already reached.
	DecisionNotRequired Decision = "NotRequired"
)

// ApproverStatus is one slot's token and decision. A recorded decision is final; a slot closed
// because its request ended (NotRequired) opens again only if that end is taken back (an end
// the operator could not confirm: it never makes final what its ledger did not produce).
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.decision) || oldSelf.decision == 'NotRequired' || (has(self.decision) && self.decision == oldSelf.decision)",message="a recorded decision is final"
type ApproverStatus struct {
	// name is the slot's name from spec.approvers.
	// +required
	// +kubebuilder:validation:MaxLength=55
	Name string `json:"name"`

	// taskToken is the Step Functions task token of the slot's waiting activity task, sealed
	// ("sealed.v1.<key id>.<data>") with a key only the operator holds and bound to this request
	// and slot: whoever reads the request cannot spend it. A token re-issued after a heartbeat
	// timeout replaces the previous one. AWS's tokens have up to 2,048 characters; sealed, up to
	// 2,783. (Tokens recorded before version 0.2 are in the clear until their request ends.)
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	TaskToken string `json:"taskToken,omitempty"`

	// tokenReceivedAt is when the operator received taskToken.
	// +optional
	TokenReceivedAt *metav1.Time `json:"tokenReceivedAt,omitempty"`

	// decision is the slot's decision: Approve, Reject, or NotRequired for a slot that was still
	// open when the outcome was reached.
	// +optional
	// +kubebuilder:validation:Enum=Approve;Reject;NotRequired
	Decision Decision `json:"decision,omitempty"`

	// decidedBy is the Kubernetes user who decided the slot, as the API server authenticated
	// them when tollgate's admission webhook admitted the decision.
	// +optional
	// +kubebuilder:validation:MaxLength=512
	DecidedBy string `json:"decidedBy,omitempty"`

	// decidedAt is when the decision was admitted.
	// +optional
	DecidedAt *metav1.Time `json:"decidedAt,omitempty"`

	// comment is the approver's comment, if any.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Comment string `json:"comment,omitempty"`

	// source says where the decision came from: `annotation` or `ApproverDecision/<name>`.
	// +optional
	// +kubebuilder:validation:MaxLength=300
	Source string `json:"source,omitempty"`

	// record is admission's record of the decision (who, which request, which slot, which
	// verdict), as its source (the decision annotation or the ApproverDecision) holds it. The
	// operator delivers a decision only when its source still holds this record, so a
	// hand-written status decides nothing.
	// +optional
	// +kubebuilder:validation:MaxLength=32768
	Record string `json:"record,omitempty"`

	// sentAt is when the decision was delivered to Step Functions (SendTaskSuccess or
	// SendTaskFailure on taskToken). Empty while the decision waits for its token.
	// +optional
	SentAt *metav1.Time `json:"sentAt,omitempty"`

	// The slot's notifications, reminders and escalation (followup_types.go).
	SlotFollowUp `json:",inline"`
}

// ApprovalRequestStatus is what the operator observed of the request's execution. A decided
// request's phase is final, but no schema rule says so: a rule cannot tell an end the verified
// ledger produced from one written by whoever acts as the operator, and would make the forgery
// final. The status webhook keeps the ends the ledger supports final, and the operator takes
// back the ends it cannot confirm. The copy of the policy a request started under is final.
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.policy) || (has(self.policy) && self.policy == oldSelf.policy)",message="status.policy is the copy of the GatePolicy the request started under: written once, never changed or removed",fieldPath=".policy"
type ApprovalRequestStatus struct {
	// phase summarises the request: Pending, Approved, Rejected, Expired, Aborted or Failed.
	// +optional
	Phase Phase `json:"phase,omitempty"`

	// executionARN is the Step Functions execution that carries this request.
	// +optional
	// +kubebuilder:validation:MaxLength=512
	ExecutionARN string `json:"executionARN,omitempty"`

	// startedAt is when the execution started.
	// +optional
	StartedAt *metav1.Time `json:"startedAt,omitempty"`

	// completedAt is when the request reached its final phase.
	// +optional
	CompletedAt *metav1.Time `json:"completedAt,omitempty"`

	// approvers holds each slot's token and decision.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=40
	Approvers []ApproverStatus `json:"approvers,omitempty"`

	// policy is the GatePolicy the request runs under, copied by the operator when the request
	// started: admission, the operator and the plugin read it, so a later edit or deletion of the
	// policy changes nothing for this request. Written once, never changed or removed.
	// +optional
	Policy *CapturedPolicy `json:"policy,omitempty"`

	// approvedCount is how many slots approved.
	// +optional
	ApprovedCount int32 `json:"approvedCount,omitempty"`

	// rejectedCount is how many slots rejected.
	// +optional
	RejectedCount int32 `json:"rejectedCount,omitempty"`

	// requiredApprovals is the effective number of approvals needed.
	// +optional
	RequiredApprovals int32 `json:"requiredApprovals,omitempty"`

	// approvals is approvedCount/requiredApprovals, for `kubectl get` ("2/3").
	// +optional
	// +kubebuilder:validation:MaxLength=16
	Approvals string `json:"approvals,omitempty"`

	// waitingFor says, for `kubectl get`, what the pending request waits for: its undecided
	// slots, each with who may decide it ("bob (bob@example.com), security (group
	// security-oncall)"), its execution until the first task token arrives, its GatePolicy until
	// it is copied, or its execution's outcome once the verdict is in. Empty once the request
	// ended. At most 256 characters: the slots that do not fit are counted ("and 3 more").
	// +optional
	// +kubebuilder:validation:MaxLength=256
	WaitingFor string `json:"waitingFor,omitempty"`

	// conditions follow kstatus: Ready is True only once approved; Reconciling while the request
	// waits; Stalled (with Ready False) once it ended in anything but approval. Approved and
	// Rejected record the verdict.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// observedGeneration is the generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// The request's expiry warning, end and end notifications (followup_types.go).
	RequestFollowUp `json:",inline"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=apr,categories=tollgate
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Policy",type=string,JSONPath=`.spec.policyRef.name`
// +kubebuilder:printcolumn:name="Approvals",type=string,JSONPath=`.status.approvals`
// +kubebuilder:printcolumn:name="Waiting For",type=string,JSONPath=`.status.waitingFor`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Description",type=string,JSONPath=`.spec.description`,priority=1

// ApprovalRequest asks a set of approvers to approve something. tollgate starts one AWS Step
// Functions execution for it (one waiting task per approver), turns each approver's decision
// into that task's answer, and reports the outcome as conditions (Approved, Ready, ...), so
// `kubectl wait --for=condition=Approved` and GitOps health checks can gate on it.
type ApprovalRequest struct {
	metav1.TypeMeta `json:",inline"`

	// metadata is a standard object metadata
	// +optional
	metav1.ObjectMeta `json:"metadata,omitzero"`

	// spec is what is to be approved, by whom, and under which policy. It cannot change.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec is immutable: a changed request is a new request"
	Spec ApprovalRequestSpec `json:"spec"`

	// status is what the operator observed. Until the operator first writes it, the API server
	// serves the default, observedGeneration 0: older than the request's generation, so kstatus
	// (Flux's health checks) sees a request nobody has reconciled yet as in progress. Without it,
	// kstatus would count an object without conditions as current: approved.
	// +optional
	// +kubebuilder:default={observedGeneration: 0}
	Status ApprovalRequestStatus `json:"status,omitzero"`
}

// +kubebuilder:object:root=true

// ApprovalRequestList contains a list of ApprovalRequest
type ApprovalRequestList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitzero"`
	Items           []ApprovalRequest `json:"items"`
}

func init() {
	SchemeBuilder.Register(func(s *runtime.Scheme) error {
		s.AddKnownTypes(SchemeGroupVersion, &ApprovalRequest{}, &ApprovalRequestList{})
		return nil
	})
}
