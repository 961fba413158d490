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

// Annotations, finalizers and condition vocabulary shared by the operator, its tests and tools.
const (
	// DecisionAnnotationPrefix starts the annotation an approver sets to decide a slot:
	// `approvals.tollgate.dev/<slot>=approve|reject` (case-insensitive), with an optional
	// comment in `approvals.tollgate.dev/<slot>.comment`.
	DecisionAnnotationPrefix = "approvals.tollgate.dev/"
	// DecisionCommentSuffix ends the comment annotation's key.
	DecisionCommentSuffix = ".comment"
	// DecisionRecordSuffix ends the key of the record tollgate's admission webhook writes beside
	// a decision annotation it admitted (`approvals.tollgate.dev/<slot>.record`): who decided,
	// for which request, signed with the operator's key. Slot names hold no dot, so neither
	// suffix can be mistaken for a slot. A value a client sends is replaced.
	DecisionRecordSuffix = ".record"
	// RecordAnnotation holds, on an ApproverDecision, the record the admission webhook wrote
	// when it admitted the decision (same form as a slot's `.record` annotation).
	RecordAnnotation = "approvals.tollgate.dev/record"
	// RequesterAnnotation holds, on an ApprovalRequest, the record of who created it, written
	// by the admission webhook from the API server's authentication of the creator. It sits
	// outside the decision prefix so that it can never be read as a slot.
	RequesterAnnotation = "tollgate.dev/requester"

	// MaxCommentLength is the longest comment a decision may carry (status.approvers[].comment).
	MaxCommentLength = 1024
	// MaxWaitingForLength is the longest status.waitingFor (its schema's MaxLength): what does
	// not fit is counted ("and 3 more").
	MaxWaitingForLength = 256
	// ApproveVerb is the verb an approver must be granted on the request (RBAC) to decide it,
	// as Kubernetes' CertificateSigningRequests ask of their approvers.
	ApproveVerb = "approve"
	// DeleteAnyVerb lets an administrator delete an ApprovalRequest someone else created: a
	// requester deletes only their own (a requester who could delete another's request could
	// create it again under the same name with approvers of their own choosing).
	DeleteAnyVerb = "delete-any"

	// UseVerb lets a requester reference a GatePolicy (spec.policyRef): the verb `use` on
	// gatepolicies/<name>, asked with a SubjectAccessReview at admission.
	UseVerb = "use"
	// SelfApproveVerb lets a requester create a request without a policy that allows its
	// requester to decide a slot (spec.policy.allowSelfApproval: true): a verb on
	// approvalrequests.
	SelfApproveVerb = "self-approve"
	// ChooseStateMachineVerb lets a requester create a request without a policy that names its
	// own state machine (spec.stateMachineARN): a verb on approvalrequests.
	ChooseStateMachineVerb = "choose-state-machine"
	// RequirePolicyLabel, on a Namespace, says whether its requests must reference a GatePolicy:
	// "true" or "false"; without it, the operator's --policy-enforcement decides. Requesters
	// cannot change namespaces, so it is an administrator's setting.
	RequirePolicyLabel = "tollgate.dev/require-policy"

	// StopExecutionFinalizer holds a pending request until its execution is stopped.
	StopExecutionFinalizer = "approvals.tollgate.dev/stop-execution"
)

// Condition types of an ApprovalRequest (kstatus: Ready, Reconciling, Stalled).
const (
	ConditionReady       = "Ready"
	ConditionApproved    = "Approved"
	ConditionRejected    = "Rejected"
	ConditionReconciling = "Reconciling"
	ConditionStalled     = "Stalled"
)
