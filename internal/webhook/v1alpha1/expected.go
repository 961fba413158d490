package v1alpha1

import (
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
)

// Webhook is one of tollgate's admission webhooks as it must be configured for its guarantees
// to hold: called for these resources and operations, failing closed, for every object.
type Webhook struct {
	Name       string
	Mutating   bool
	Resources  []string
	Operations []admissionregistrationv1.OperationType
}

// Webhooks are tollgate's admission webhooks, as the +kubebuilder:webhook markers in setup.go
// configure them (a test holds config/webhook/manifests.yaml, made from the markers, to this
// list). The operator checks that they are in force before it records or delivers a decision.
var Webhooks = []Webhook{
	{"mapprovalrequest-v1alpha1.tollgate.dev", true, []string{resourceRequests}, ops(admissionregistrationv1.Create, admissionregistrationv1.Update)},
	{"mapproverdecision-v1alpha1.tollgate.dev", true, []string{resourceDecisions}, ops(admissionregistrationv1.Create)},
	{"vapprovalrequest-v1alpha1.tollgate.dev", false, []string{resourceRequests}, ops(admissionregistrationv1.Create, admissionregistrationv1.Update, admissionregistrationv1.Delete)},
	{"vapproverdecision-v1alpha1.tollgate.dev", false, []string{resourceDecisions}, ops(admissionregistrationv1.Create, admissionregistrationv1.Update)},
	{"vstatus-v1alpha1.tollgate.dev", false, []string{resourceRequests + "/status", resourceDecisions + "/status"}, ops(admissionregistrationv1.Update)},
}

// The resources tollgate's webhooks guard.
const (
	resourceRequests  = "approvalrequests"
	resourceDecisions = "approverdecisions"
)

func ops(o ...admissionregistrationv1.OperationType) []admissionregistrationv1.OperationType {
	return o
}
