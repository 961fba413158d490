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

// ReasonUnverifiedOutcome is the reason of a request that Step Functions reported decided
// although tollgate's own ledger does not reach that verdict: an answer tollgate did not send
// (a SendTaskSuccess or SendTaskFailure on a task token) ended the execution. The request is
// Failed, never Approved.
const ReasonUnverifiedOutcome = "UnverifiedOutcome"

// ReasonUnconfirmedEnd is the reason (a Warning event, and the Ready condition while it stands)
// of a request whose status claimed an end tollgate did not write and could not confirm: its
// execution is still running. The operator puts the request back to Pending: an end is read
// from the ledger and the execution, never from status.
const ReasonUnconfirmedEnd = "UnconfirmedEnd"

// ReasonNotAnApprover is the reason of a refused decision whose maker is none of the slot's
// users and in none of its groups (the cause type of the admission webhook's refusal).
const ReasonNotAnApprover = "NotAnApprover"

// ReasonPolicyNotFound is the reason of a request whose GatePolicy does not exist (yet): it is
// admitted and waits (Ready False, Reconciling True), so a sync that applies the request before
// its policy works; it starts once the policy is there.
const ReasonPolicyNotFound = "PolicyNotFound"

// ReasonInlineApprovers is the reason of the Warning event on a request that names its own
// approvers instead of referencing a GatePolicy.
const ReasonInlineApprovers = "InlineApprovers"

// ReasonPolicyCaptured is the reason of the event that says which policy a request copied.
const ReasonPolicyCaptured = "PolicyCaptured"

// Reasons a request is refused at admission for its policy (the cause type of the refusal).
const (
	// ReasonPolicyRequired: the namespace requires a GatePolicy and the request names its own
	// approvers.
	ReasonPolicyRequired = "PolicyRequired"
	// ReasonNoUseVerb: the requester may not use the GatePolicy the request references.
	ReasonNoUseVerb = "NoUseVerb"
	// ReasonNoSelfApproveVerb: an inline allowSelfApproval by a requester without the verb.
	ReasonNoSelfApproveVerb = "NoSelfApproveVerb"
	// ReasonNoStateMachineVerb: an inline stateMachineARN by a requester without the verb.
	ReasonNoStateMachineVerb = "NoStateMachineVerb"
)

// ReasonForeignExecution is the reason of the Warning event on a request when an activity task
// names it but comes from another execution than its own (status.executionARN): one started by
// hand with its identity, or a machine that does not follow the contract. The task is answered
// with the error tollgate.ForeignExecution and changes nothing about the request.
const ReasonForeignExecution = "ForeignExecution"

// ReasonExecutionNotOurs is the reason (a Warning event, and the Ready condition of the Failed
// request) when an execution under the request's deterministic name already exists with another
// input than the request's: someone else started it, and it is not adopted.
const ReasonExecutionNotOurs = "ExecutionNotOurs"

// ReasonTokenUnreadable is the reason of the Warning event when a slot's sealed task token does
// not open: sealed with a key the operator no longer holds (its token key Secret was replaced
// or lost), or altered. The slot waits for the task's new token.
const ReasonTokenUnreadable = "TokenUnreadable"

// Reasons a decision is refused (internal/identity's check), for messages, events, metrics and
// the cause type of the admission webhook's refusal. ReasonNotAnApprover is one of them.
const (
	ReasonUnknownSlot        = "UnknownSlot"
	ReasonNoApproveVerb      = "NoApproveVerb"
	ReasonSelfApproval       = "SelfApproval"
	ReasonAlreadyCounted     = "AlreadyCounted"
	ReasonUnverifiedCreator  = "UnverifiedRequester"
	ReasonUnverifiedDecision = "UnverifiedDecision"
	// The request takes no decision whoever makes it: it ended (or never started), or the
	// slot holds another decision already.
	ReasonRequestClosed = "RequestClosed"
	ReasonSlotDecided   = "SlotDecided"
	// ReasonAwaitingPolicy: the request waits for its GatePolicy and has no slots yet.
	ReasonAwaitingPolicy = "AwaitingPolicy"
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

// Reasons of a NotificationConfig's or ClusterNotificationConfig's Ready condition: whether the
// Secrets its channels name can be used, as the operator finds them itself.
const (
	// ReasonChannelsReady: tollgate may read every Secret the channels name, and each holds
	// the keys its channel reads (True; also when the channels name no Secret).
	ReasonChannelsReady = "ChannelsReady"
	// ReasonSecretNotGranted: tollgate may not get a Secret a channel names: nobody who may read
	// it granted tollgate's service account get on it by name.
	ReasonSecretNotGranted = "SecretNotGranted"
	// ReasonSecretMissing: a Secret a channel names does not exist.
	ReasonSecretMissing = "SecretMissing"
	// ReasonSecretKeyMissing: a Secret lacks a key its channel reads (or holds it empty).
	ReasonSecretKeyMissing = "SecretKeyMissing"
	// ReasonSecretInvalid: a key holds a value its channel cannot use (a signing secret not of
	// the form whsec_<base64>, a ca.crt without a PEM certificate). The value is never quoted.
	ReasonSecretInvalid = "SecretInvalid"
)
