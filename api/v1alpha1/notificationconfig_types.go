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

// NotificationConfigSpec says how tollgate tells people about ApprovalRequests: the channels it
// sends through, where people and groups are reached, and the routes that carry a request's
// notifications. Administrators write it; a request never names a destination of its own (it
// has no field for one): it is routed by the routes defined here.
// +kubebuilder:validation:XValidation:rule="self.routes.all(r, !has(r.channels) || r.channels.all(c, self.channels.exists(ch, ch.name == c)))",message="a route names a channel that spec.channels does not define",fieldPath=".routes"
// +kubebuilder:validation:XValidation:rule="self.routes.all(r, !has(r.slots) || r.slots.all(s, s.channels.all(c, self.channels.exists(ch, ch.name == c))))",message="a slot route names a channel that spec.channels does not define",fieldPath=".routes"
type NotificationConfigSpec struct {
	// channels are the ways notifications leave the cluster: an e-mail channel (an SMTP server
	// and a sender) mails the people a notification concerns; a webhook channel receives every
	// notification of its routes once, signed. Credentials are in Secrets: a NotificationConfig
	// reads only Secrets of its own namespace, a ClusterNotificationConfig only Secrets of the
	// namespace tollgate runs in.
	// +required
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=16
	Channels []NotificationChannel `json:"channels"`

	// recipients say where people and groups are reached. A slot names Kubernetes users and
	// groups; a group cannot be listed, so it is reached at the address given here (a group
	// `security-oncall` at its mailing list). An e-mail channel of a NotificationConfig uses the
	// recipients of its namespace's NotificationConfigs and of the ClusterNotificationConfigs that
	// select the namespace; an e-mail channel of a ClusterNotificationConfig only those of
	// ClusterNotificationConfigs, so that no namespace directs a central server's mail.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=512
	Recipients []NotificationRecipient `json:"recipients,omitempty"`

	// routes carry a request's notifications to channels. A request is routed by the routes named
	// `default`; a request or its policy may pick another route by name, never a destination.
	// +required
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=16
	Routes []NotificationRoute `json:"routes"`

	// link is the https URL of a request's page in a console, shown in every notification this
	// object's channels send: `{namespace}` and `{name}` are replaced with the request's
	// (path-escaped). A NotificationConfig without one uses the link of the first (by name)
	// ClusterNotificationConfig that selects its namespace and has one.
	// +optional
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:XValidation:rule="self.matches('^https://[^/?#@{}]+([/?#].*)?$') && self.replace('{namespace}', '').replace('{name}', '').matches('^[^{}]*$')",message="link must be an https URL without credentials whose only placeholders are {namespace} and {name}, outside the host"
	Link string `json:"link,omitempty"`
}

// NotificationChannel is one way notifications leave the cluster. Exactly one kind is set;
// chat channels are to come beside e-mail and webhook.
// +kubebuilder:validation:XValidation:rule="(has(self.email) ? 1 : 0) + (has(self.webhook) ? 1 : 0) == 1",message="a channel is exactly one of email or webhook"
type NotificationChannel struct {
	// name identifies the channel in routes: a DNS-1123 label.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`

	// email sends mail through an SMTP server.
	// +optional
	Email *EmailChannel `json:"email,omitempty"`

	// webhook posts each notification as a CloudEvent (JSON, structured mode), signed as the
	// Standard Webhooks specification says (headers webhook-id, webhook-timestamp and
	// webhook-signature): receivers verify the signature and refuse a replay.
	// +optional
	Webhook *WebhookChannel `json:"webhook,omitempty"`
}

// EmailTLS is how an SMTP connection is secured.
// +kubebuilder:validation:Enum=StartTLS;Implicit;None
type EmailTLS string

const (
	// EmailStartTLS upgrades the connection with STARTTLS before anything else is sent; a server
	// that does not offer it fails the delivery (no fallback to plain text). Usually port 587.
	EmailStartTLS EmailTLS = "StartTLS"
	// EmailImplicitTLS speaks TLS from the first byte. Usually port 465.
	EmailImplicitTLS EmailTLS = "Implicit"
	// EmailNoTLS sends in plain text: only for a relay on the same node or in the same pod, and
	// never with credentials.
	EmailNoTLS EmailTLS = "None"
)

// EmailChannel is an SMTP server and the address mail is sent from.
// +kubebuilder:validation:XValidation:rule="!has(self.credentialsSecretRef) || !has(self.tls) || self.tls != 'None'",message="credentials are only sent over TLS: tls must be StartTLS or Implicit",fieldPath=".credentialsSecretRef"
type EmailChannel struct {
	// host is the SMTP server's DNS name or IP address. Its certificate must name it.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9]([A-Za-z0-9.:-]*[A-Za-z0-9])?$`
	Host string `json:"host"`

	// port is the SMTP server's port (587 for StartTLS, 465 for Implicit, as a rule).
	// +required
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port int32 `json:"port"`

	// tls is StartTLS (the default), Implicit or None.
	// +optional
	// +kubebuilder:default=StartTLS
	TLS EmailTLS `json:"tls,omitempty"`

	// from is the address mail is sent from.
	// +required
	// +kubebuilder:validation:MaxLength=254
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9.!#$%&'*+/=?^_{|}~-]+@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$`
	From string `json:"from"`

	// credentialsSecretRef names a Secret (type kubernetes.io/basic-auth will do) whose keys
	// `username` and `password` log in with AUTH PLAIN or LOGIN, whichever the server offers
	// (PLAIN first), and only over TLS.
	// +optional
	CredentialsSecretRef *SecretReference `json:"credentialsSecretRef,omitempty"`

	// caSecretRef names a Secret whose key `ca.crt` holds the PEM certificates the server's
	// certificate must chain to. Without it, the system's roots.
	// +optional
	CASecretRef *SecretReference `json:"caSecretRef,omitempty"`
}

// WebhookChannel is an HTTPS endpoint and the secret notifications to it are signed with.
type WebhookChannel struct {
	// url receives a POST per notification: https, without credentials in it (the signature
	// authenticates tollgate to the receiver). Redirects are not followed.
	// +required
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self) && self.startsWith('https://') && url(self).getHostname() != '' && !self.matches('^https://[^/?#]*@')",message="url must be an https URL without credentials"
	URL string `json:"url"`

	// signingSecretRef names a Secret whose key `secret` holds the signing secret in the
	// Standard Webhooks form: `whsec_` and the base64 of 24 to 64 random bytes. The receiver
	// holds the same secret.
	// +required
	SigningSecretRef SecretReference `json:"signingSecretRef"`

	// caSecretRef names a Secret whose key `ca.crt` holds the PEM certificates the endpoint's
	// certificate must chain to. Without it, the system's roots.
	// +optional
	CASecretRef *SecretReference `json:"caSecretRef,omitempty"`
}

// SecretReference names a Secret by name alone: a NotificationConfig's are in its own namespace,
// a ClusterNotificationConfig's in the namespace tollgate runs in. No reference can name
// another namespace.
type SecretReference struct {
	// name is the Secret's name.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	Name string `json:"name"`
}

// NotificationRecipient is where one user or one group is reached.
// +kubebuilder:validation:XValidation:rule="has(self.user) != has(self.group)",message="a recipient is exactly one of user or group"
// +kubebuilder:validation:XValidation:rule="has(self.email)",message="a recipient needs an address: email"
type NotificationRecipient struct {
	// user is a Kubernetes user name, as slots and requesters are named.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	User string `json:"user,omitempty"`

	// group is a Kubernetes group, as slots name it.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Group string `json:"group,omitempty"`

	// email is the address e-mail channels send to for this user or group.
	// +optional
	// +kubebuilder:validation:MaxLength=254
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9.!#$%&'*+/=?^_{|}~-]+@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$`
	Email string `json:"email,omitempty"`
}

// NotificationRoute carries a request's notifications to channels: those named in channels for
// every slot, and those named for a slot in slots. An e-mail channel mails a waiting slot's
// users and groups, and the requester when the request ends; a webhook channel receives each
// notification of the route once.
// +kubebuilder:validation:XValidation:rule="(has(self.channels) && size(self.channels) > 0) || (has(self.slots) && size(self.slots) > 0)",message="a route sends through at least one channel"
type NotificationRoute struct {
	// name is what a request picks the route by; `default` routes the requests that pick none.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`

	// channels receive the notifications of every slot and of the request's end.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:MaxLength=63
	Channels []string `json:"channels,omitempty"`

	// slots add channels for the slots of those names: their notifications, and the end of a
	// request that has such a slot.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=40
	Slots []SlotRoute `json:"slots,omitempty"`
}

// SlotRoute names the channels a slot's notifications also go through.
type SlotRoute struct {
	// name is the slot's name (spec.approvers[].name of a request).
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=55
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`

	// channels receive this slot's notifications.
	// +required
	// +listType=set
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=8
	// +kubebuilder:validation:items:MaxLength=63
	Channels []string `json:"channels"`
}

// NotificationConfigStatus says whether an object's channels can send: the operator checks,
// as itself, every Secret they name when the object changes and again every
// --notification-config-recheck (it watches neither Secrets nor RBAC). Only the operator writes
// it.
type NotificationConfigStatus struct {
	// observedGeneration is the generation of the spec the conditions were checked against.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions: Ready is True when tollgate may read every Secret the channels name and each
	// holds the keys its channel reads, in the form it needs; False names the first channel and
	// Secret that fails, and what to do (reasons SecretNotGranted, SecretMissing,
	// SecretKeyMissing, SecretInvalid). Whether a server answers is only known when a
	// notification is sent.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=ncfg,categories=tollgate
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// NotificationConfig says how tollgate notifies about the ApprovalRequests of its namespace:
// channels (with credentials from Secrets of this namespace), recipients and routes. It belongs
// to the namespace's administrators: requesters and approvers cannot write it.
type NotificationConfig struct {
	metav1.TypeMeta `json:",inline"`

	// metadata is a standard object metadata
	// +optional
	metav1.ObjectMeta `json:"metadata,omitzero"`

	// spec is the channels, recipients and routes.
	// +required
	Spec NotificationConfigSpec `json:"spec"`

	// status says whether the channels can send.
	// +optional
	Status NotificationConfigStatus `json:"status,omitzero"`
}

// +kubebuilder:object:root=true

// NotificationConfigList contains a list of NotificationConfig
type NotificationConfigList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitzero"`
	Items           []NotificationConfig `json:"items"`
}

func init() {
	SchemeBuilder.Register(func(s *runtime.Scheme) error {
		s.AddKnownTypes(SchemeGroupVersion, &NotificationConfig{}, &NotificationConfigList{})
		return nil
	})
}
