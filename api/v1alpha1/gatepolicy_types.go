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

// GatePolicySpec is how the requests that reference a policy are decided: who may decide which
// slot, how many approvals approve, whether the requester may decide a slot, and the state
// machine that runs. It is the one place the rules of a gate are written; rules, required
// slots, stages and timers extend it here (the field names are those of an inline request's
// spec, so a request moves to a policy by moving its fields).
// +kubebuilder:validation:XValidation:rule="!has(self.policy) || !has(self.policy.requiredApprovals) || self.policy.requiredApprovals <= size(self.approvers)",message="policy.requiredApprovals must not exceed the number of approvers",fieldPath=".policy.requiredApprovals"
type GatePolicySpec struct {
	// approvers are the approval slots. Each slot is decided once, by one of the identities it
	// names. Between 1 and 40 slots (Step Functions runs at most 40 iterations of the approval
	// Map at once); slot names are unique.
	// +required
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=40
	Approvers []Approver `json:"approvers"`

	// policy says how many approvals approve a request, and whether its requester may decide a
	// slot. Without it, every approver must approve and nobody decides their own request.
	// +optional
	Policy *ApprovalPolicy `json:"policy,omitempty"`

	// stateMachineARN is the approval state machine the requests run on; empty: the operator's
	// default. The machine must follow tollgate's activity contract
	// (docs/stepfunctions-contract.md).
	// +optional
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^arn:aws[a-zA-Z-]*:states:[a-z0-9-]+:[0-9]{12}:stateMachine:[A-Za-z0-9_-]{1,80}$`
	StateMachineARN string `json:"stateMachineARN,omitempty"`

	// notification picks which of the routes the namespace's administrators defined carries the
	// notifications of the requests under this policy. It wins over a request's own pick
	// (spec.notification of the request), which counts only where the policy picks none.
	// +optional
	Notification *NotificationPick `json:"notification,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=gp,categories=tollgate
// +kubebuilder:printcolumn:name="Required",type=integer,JSONPath=`.spec.policy.requiredApprovals`
// +kubebuilder:printcolumn:name="Generation",type=integer,JSONPath=`.metadata.generation`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="State Machine",type=string,JSONPath=`.spec.stateMachineARN`,priority=1

// GatePolicy holds the rules of a gate, written by a team's administrators: the approver
// slots, the quorum, self-approval and the state machine. An ApprovalRequest references it
// (spec.policyRef) and then carries none of these itself, so the person who asks never picks
// who approves. Referencing a policy needs the verb `use` on it; a request copies the policy
// when it starts (status.policy), so a later edit or deletion changes no running request.
type GatePolicy struct {
	metav1.TypeMeta `json:",inline"`

	// metadata is a standard object metadata
	// +optional
	metav1.ObjectMeta `json:"metadata,omitzero"`

	// spec is the policy's rules: the one place the rules of a gate are written.
	// +required
	Spec GatePolicySpec `json:"spec"`
}

// +kubebuilder:object:root=true

// GatePolicyList contains a list of GatePolicy
type GatePolicyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitzero"`
	Items           []GatePolicy `json:"items"`
}

// PolicyReference names the GatePolicy, in the request's namespace, that decides a request.
type PolicyReference struct {
	// name is the GatePolicy's name.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	Name string `json:"name"`
}

// CapturedPolicy is the copy of a GatePolicy a request runs under, taken by the operator when
// the request starts and never changed after: a later edit or deletion of the policy changes
// no running request.
type CapturedPolicy struct {
	// name is the GatePolicy's name (the request's spec.policyRef.name).
	// +required
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`

	// uid is the GatePolicy's UID when it was copied.
	// +required
	// +kubebuilder:validation:MaxLength=64
	UID string `json:"uid"`

	// generation is the GatePolicy's metadata.generation when it was copied.
	// +required
	Generation int64 `json:"generation"`

	// digest is the SHA-256 of spec in canonical JSON (hex): the same in the execution input.
	// +required
	// +kubebuilder:validation:MaxLength=64
	Digest string `json:"digest"`

	// capturedAt is when the operator copied the policy.
	// +optional
	CapturedAt *metav1.Time `json:"capturedAt,omitempty"`

	// spec is the GatePolicy's spec as it was copied.
	// +required
	Spec GatePolicySpec `json:"spec"`
}

func init() {
	SchemeBuilder.Register(func(s *runtime.Scheme) error {
		s.AddKnownTypes(SchemeGroupVersion, &GatePolicy{}, &GatePolicyList{})
		return nil
	})
}
