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
