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

// NotificationPick is what a request (or its policy) may say about its notifications: which of
// the routes its namespace's administrators defined carries them. It names a route, never a
// destination: no URL, address or channel, so a requester can neither post their own text with
// the organisation's sender nor make the operator call an address of their choosing.
type NotificationPick struct {
	// route is the name of a route of the NotificationConfigs of the request's namespace or of
	// the ClusterNotificationConfigs that select it. Without it, the route named `default`. A
	// route that no object defines is a failure recorded on the request, never a fallback.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Route string `json:"route,omitempty"`
}

// NotificationNoChannel is the channel of a notification record when the route reached no
// channel: the request picked a route that no object of its namespace defines.
const NotificationNoChannel = "none"

// NotificationInFlight is the failure of a notification record while its attempt is made: the
// notifier records the attempt before making it and replaces this with the outcome. Found after
// a restart, the outcome is unknown, and the delivery waits for nextAttemptAt.
const NotificationInFlight = "attempt in flight: its outcome was not recorded"
