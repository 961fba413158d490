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

// Reasons of an ApprovalRequest's conditions and events, and of an ApproverDecision's events:
// what alerts, dashboards and `kubectl get events --field-selector reason=...` match on, so
// they are API. (The trust work's reasons are in names.go.)

// Reasons of an end (the Ready and Stalled conditions, the Approved or Rejected condition, and
// the end's event): the phase's own word, unless the step that ended the request said more
// (UnverifiedOutcome, ExecutionNotOurs).
const (
	ReasonApproved = string(PhaseApproved)
	ReasonRejected = string(PhaseRejected)
	ReasonExpired  = string(PhaseExpired)
	ReasonAborted  = string(PhaseAborted)
	ReasonFailed   = string(PhaseFailed)
)

// Reasons a request waits (Ready False with Reconciling or Stalled True).
const (
	// ReasonStarting: its execution is not started yet.
	ReasonStarting = "Starting"
	// ReasonAwaitingApprovals: its execution runs and waits for decisions.
	ReasonAwaitingApprovals = "AwaitingApprovals"
	// ReasonStartBlocked: Step Functions refused to start the execution for the operator's
	// configuration (no or a missing state machine); Stalled until an administrator fixes it.
	ReasonStartBlocked = "StartBlocked"
	// ReasonStepFunctionsRefused: Step Functions refused the operator's credentials or
	// permissions; Stalled until an administrator fixes them.
	ReasonStepFunctionsRefused = "StepFunctionsRefused"
	// ReasonRetrying: a call failed for a reason that passes (throttling, 5xx, no answer).
	ReasonRetrying = "Retrying"
	// ReasonAdmissionNotInForce: the request's decisions are held, or a decision is refused,
	// because tollgate's admission was not in force when it was written.
	ReasonAdmissionNotInForce = "AdmissionNotInForce"
)

// Reasons of events along a request's life.
const (
	// ReasonStarted: its execution started.
	ReasonStarted = "Started"
	// ReasonStartFailed: starting its execution failed (Warning).
	ReasonStartFailed = "StartFailed"
	// ReasonStepFunctionsUnavailable: a call to Step Functions failed; it is retried (Warning).
	ReasonStepFunctionsUnavailable = "StepFunctionsUnavailable"
	// ReasonTokenReceived: a slot's task token arrived.
	ReasonTokenReceived = "TokenReceived"
	// ReasonInvalidDecision: a decision annotation's value is neither approve nor reject.
	ReasonInvalidDecision = "InvalidDecision"
	// ReasonDecisionRecorded: a decision was recorded in the ledger.
	ReasonDecisionRecorded = "DecisionRecorded"
	// ReasonDecisionRefused: a decision was not recorded; the message says why (Warning).
	ReasonDecisionRefused = "DecisionRefused"
	// ReasonApprovalSent and ReasonRejectionSent: a decision was delivered to Step Functions.
	ReasonApprovalSent  = "ApprovalSent"
	ReasonRejectionSent = "RejectionSent"
	// ReasonTokenClosed: a decision's task was already closed; the decision counts as delivered.
	ReasonTokenClosed = "TokenClosed"
	// ReasonDeliveryRefused: Step Functions refused a decision for good (Warning).
	ReasonDeliveryRefused = "DeliveryRefused"
	// ReasonRequestNotFound: an ApproverDecision names a request that does not exist (Warning).
	ReasonRequestNotFound = "RequestNotFound"
)

// Reasons of the notifier's events: what it sent, and what it could not (issue 25). They tell
// people; the notifier reacts only to status, never to an event.
const (
	// ReasonNotified: a notification went out through every channel due (a slot's people told
	// their decision waits, or the requester told the request ended).
	ReasonNotified = "Notified"
	// ReasonNotificationFailed: an attempt through a channel failed; the message says whether
	// and when it is tried again (Warning).
	ReasonNotificationFailed = "NotificationFailed"
	// ReasonNotificationRouteUnknown: the request picked a route that no NotificationConfig of
	// its namespace and no ClusterNotificationConfig selecting it defines (Warning).
	ReasonNotificationRouteUnknown = "NotificationRouteUnknown"
	// ReasonNotificationUnreached: someone a notification concerns has no address on an e-mail
	// channel, or an object could not be used as it is (Warning).
	ReasonNotificationUnreached = "NotificationUnreached"
)
