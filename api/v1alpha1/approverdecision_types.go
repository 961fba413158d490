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

// ApproverDecisionSpec is one approver's decision on one slot of an ApprovalRequest in the
// same namespace. It is immutable: a decision is final. The request must exist when the
// decision is created: admission binds the decision to it (an owner reference and a record
// naming the request's UID and the person who decided), so the decision goes
// with its request and never counts for a later request of the same name.
type ApproverDecisionSpec struct {
	// approvalRequestName names the ApprovalRequest (in this namespace) being decided.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	ApprovalRequestName string `json:"approvalRequestName"`

	// approver is the slot name (spec.approvers[].name of the request) this decision is for.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=55
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Approver string `json:"approver"`

	// decision is Approve or Reject.
	// +required
	// +kubebuilder:validation:Enum=Approve;Reject
	Decision Decision `json:"decision"`

	// comment is passed to the execution with the decision and recorded in the request's status.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Comment string `json:"comment,omitempty"`
}

// DecisionPhase says whether the operator took a decision.
// +kubebuilder:validation:Enum=Accepted;Refused
type DecisionPhase string

const (
	// DecisionAccepted: the decision was recorded on the request (and is, or will be, delivered).
	DecisionAccepted DecisionPhase = "Accepted"
	// DecisionRefused: the decision was not taken; message says why.
	DecisionRefused DecisionPhase = "Refused"
)

// ApproverDecisionStatus is the operator's answer to a decision.
type ApproverDecisionStatus struct {
	// phase is Accepted or Refused.
	// +optional
	Phase DecisionPhase `json:"phase,omitempty"`

	// message explains the phase, e.g. why a decision was refused.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Message string `json:"message,omitempty"`

	// decidedBy is the Kubernetes user who made the decision, as the API server authenticated
	// them when the decision was created.
	// +optional
	// +kubebuilder:validation:MaxLength=512
	DecidedBy string `json:"decidedBy,omitempty"`

	// observedGeneration is the generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=apd,categories=tollgate
// +kubebuilder:printcolumn:name="Request",type=string,JSONPath=`.spec.approvalRequestName`
// +kubebuilder:printcolumn:name="Approver",type=string,JSONPath=`.spec.approver`
// +kubebuilder:printcolumn:name="Decision",type=string,JSONPath=`.spec.decision`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="By",type=string,JSONPath=`.status.decidedBy`,priority=1
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.message`,priority=1

// ApproverDecision records one approver's decision on one slot of an ApprovalRequest: the
// declarative alternative to `kubectl annotate approvalrequest/NAME approvals.tollgate.dev/<slot>=approve`.
type ApproverDecision struct {
	metav1.TypeMeta `json:",inline"`

	// metadata is a standard object metadata
	// +optional
	metav1.ObjectMeta `json:"metadata,omitzero"`

	// spec is the decision. It cannot change.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec is immutable: a decision is final"
	Spec ApproverDecisionSpec `json:"spec"`

	// status is the operator's answer.
	// +optional
	Status ApproverDecisionStatus `json:"status,omitzero"`
}

// +kubebuilder:object:root=true

// ApproverDecisionList contains a list of ApproverDecision
type ApproverDecisionList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitzero"`
	Items           []ApproverDecision `json:"items"`
}

func init() {
	SchemeBuilder.Register(func(s *runtime.Scheme) error {
		s.AddKnownTypes(SchemeGroupVersion, &ApproverDecision{}, &ApproverDecisionList{})
		return nil
	})
}
