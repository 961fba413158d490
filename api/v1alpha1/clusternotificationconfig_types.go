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

// ClusterNotificationConfigSpec is a NotificationConfigSpec for the namespaces it selects, run
// by the cluster's administrators with Secrets of the namespace tollgate runs in.
type ClusterNotificationConfigSpec struct {
	// namespaceSelector selects the namespaces whose requests this object routes, by their
	// labels. Without it, every namespace.
	// +optional
	// +kubebuilder:validation:XValidation:rule="!has(self.matchExpressions) || self.matchExpressions.all(e, e.operator in ['In', 'NotIn', 'Exists', 'DoesNotExist'] && ((e.operator in ['In', 'NotIn']) == (has(e.values) && size(e.values) > 0)))",message="each matchExpressions operator is In or NotIn (with values) or Exists or DoesNotExist (without)"
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`

	NotificationConfigSpec `json:",inline"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=cncfg,categories=tollgate
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// ClusterNotificationConfig says how tollgate notifies about the ApprovalRequests of the
// namespaces it selects, with central channels whose credentials are Secrets of the namespace
// tollgate runs in, which only cluster administrators control.
type ClusterNotificationConfig struct {
	metav1.TypeMeta `json:",inline"`

	// metadata is a standard object metadata
	// +optional
	metav1.ObjectMeta `json:"metadata,omitzero"`

	// spec is the namespaces selected, and the channels, recipients and routes.
	// +required
	Spec ClusterNotificationConfigSpec `json:"spec"`

	// status says whether the channels can send, with the Secrets of the namespace tollgate
	// runs in.
	// +optional
	Status NotificationConfigStatus `json:"status,omitzero"`
}

// +kubebuilder:object:root=true

// ClusterNotificationConfigList contains a list of ClusterNotificationConfig
type ClusterNotificationConfigList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitzero"`
	Items           []ClusterNotificationConfig `json:"items"`
}

func init() {
	SchemeBuilder.Register(func(s *runtime.Scheme) error {
		s.AddKnownTypes(SchemeGroupVersion, &ClusterNotificationConfig{}, &ClusterNotificationConfigList{})
		return nil
	})
}
