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

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// The follow-up fields: durable facts that notifications, reminders and approval pages react
// to. They are written only by the operator, through its ledger (the status webhook refuses
// anyone else's status write), and they are the hook: nothing is sent, or withheld, because of
// an Event, which may be lost or emitted twice. A slot's token arrival is its tokenReceivedAt.

// SlotFollowUp is what was done to bring a slot's decision about: the notifications sent to its
// approvers, the reminders, and the escalation.
type SlotFollowUp struct {
	// notified holds one entry per route and channel that a notification of this slot (its
	// token arrived: it can be decided) went to: each attempt is recorded before it is made, so
	// after a restart an attempt whose outcome was not recorded waits for its retry instead of
	// going out twice.
	// +optional
	// +listType=map
	// +listMapKey=route
	// +listMapKey=channel
	// +kubebuilder:validation:MaxItems=16
	Notified []NotificationRecord `json:"notified,omitempty"`

	// reminded counts the reminders sent for this slot while it waited.
	// +optional
	Reminded *Reminders `json:"reminded,omitempty"`

	// escalated says when the slot was escalated, and to whom.
	// +optional
	Escalated *Escalation `json:"escalated,omitempty"`
}

// RequestFollowUp is what was done about the request as a whole: its expiry warned, its end
// recorded, and the end's notifications.
type RequestFollowUp struct {
	// expiryWarnedAt is when the approvers were warned that the request is about to expire.
	// +optional
	ExpiryWarnedAt *metav1.Time `json:"expiryWarnedAt,omitempty"`

	// ended is the request's end — when and why — written in the same status write as the
	// final phase, its conditions and its closed slots.
	// +optional
	Ended *Ending `json:"ended,omitempty"`

	// endNotified holds one entry per route and channel that the notification of the request's
	// end (to its requester) went to.
	// +optional
	// +listType=map
	// +listMapKey=route
	// +listMapKey=channel
	// +kubebuilder:validation:MaxItems=16
	EndNotified []NotificationRecord `json:"endNotified,omitempty"`
}

// NotificationRecord is one delivery of a notification, through one channel of one route, as
// the notifier (internal/notify's Result) reports it.
type NotificationRecord struct {
	// route is the notification route the delivery followed.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Route string `json:"route"`

	// channel is the route's channel the delivery went through, qualified by the object that
	// defines it (two objects may each have a channel "mail"):
	// `NotificationConfig/<name>/<channel>` or `ClusterNotificationConfig/<name>/<channel>`; or
	// `none` when the route reached no channel (a route the request picked that no object
	// defines: the failure says so).
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=343
	// +kubebuilder:validation:Pattern=`^((NotificationConfig|ClusterNotificationConfig)/[a-z0-9]([-a-z0-9.]*[a-z0-9])?/[a-z0-9]([-a-z0-9]*[a-z0-9])?|none)$`
	Channel string `json:"channel"`

	// at is when the last attempt started.
	// +required
	At metav1.Time `json:"at"`

	// attempts is how many attempts were made, the last one included.
	// +required
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	Attempts int32 `json:"attempts"`

	// failure is why the last attempt failed, with every secret value taken out; "attempt in
	// flight: its outcome was not recorded" while it is being made; empty once the channel took
	// the message.
	// +optional
	// +kubebuilder:validation:MaxLength=512
	Failure string `json:"failure,omitempty"`

	// nextAttemptAt is when the next attempt is due; absent once delivered, or when no attempt
	// follows (the delivery was abandoned).
	// +optional
	NextAttemptAt *metav1.Time `json:"nextAttemptAt,omitempty"`
}

// Reminders counts the reminders of a waiting slot.
type Reminders struct {
	// count is how many reminders were sent.
	// +required
	// +kubebuilder:validation:Minimum=1
	Count int32 `json:"count"`

	// lastAt is when the last one was sent.
	// +required
	LastAt metav1.Time `json:"lastAt"`
}

// Escalation is a slot handed to more people because it waited too long.
type Escalation struct {
	// at is when the slot was escalated.
	// +required
	At metav1.Time `json:"at"`

	// to names who it was escalated to: users and groups, as the escalation rule named them.
	// +required
	// +listType=set
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:MaxLength=253
	To []string `json:"to"`
}

// Ending is when and why a request ended.
type Ending struct {
	// at is when the end was written.
	// +required
	At metav1.Time `json:"at"`

	// reason is the end's reason, as the Ready condition has it: the phase (Approved, Rejected,
	// Expired, Aborted, Failed) or what ended it (UnverifiedOutcome, ExecutionNotOurs).
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	Reason string `json:"reason"`

	// message says why, in words, as the Ready condition's message (an execution's error and
	// cause may be long).
	// +optional
	// +kubebuilder:validation:MaxLength=32768
	Message string `json:"message,omitempty"`
}
