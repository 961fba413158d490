package manifests

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Install is where a rendering of tollgate puts it: the prefix of every name ("tollgate-" for
// config/default and the chart's release "tollgate") and the namespace.
type Install struct {
	Prefix, Namespace string
}

// CheckWiring returns what the pieces of an installation fail to say to each other: the
// webhook configurations call the webhook Service, fail closed and get their CA from the
// serving certificate, which names that Service; the manager serves that certificate as its
// ServiceAccount; the roles for people grant what they are for; the admission policy on the
// manager's Secrets names the manager.
func (in Install) CheckWiring(objs []*unstructured.Unstructured) error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	find := func(kind, name string) *unstructured.Unstructured {
		if o := Find(objs, kind, in.Prefix+name); o != nil {
			return o
		}
		fail("no %s %s%s", kind, in.Prefix, name)
		return &unstructured.Unstructured{Object: map[string]any{}}
	}
	service, cert := in.Prefix+"webhook-service", in.Prefix+"serving-cert"
	for kind, name := range map[string]string{
		"MutatingWebhookConfiguration":   "mutating-webhook-configuration",
		"ValidatingWebhookConfiguration": "validating-webhook-configuration",
	} {
		hooks := find(kind, name)
		if got, want := hooks.GetAnnotations()["cert-manager.io/inject-ca-from"], in.Namespace+"/"+cert; got != want {
			fail("%s: cert-manager.io/inject-ca-from = %q, want %q", name, got, want)
		}
		webhooks, _, _ := unstructured.NestedSlice(hooks.Object, "webhooks")
		if len(webhooks) == 0 {
			fail("%s has no webhooks", name)
		}
		for _, w := range webhooks {
			hook, _ := w.(map[string]any)
			if hook["failurePolicy"] != "Fail" {
				fail("%s: webhook %s has failurePolicy %v: a webhook that decides must fail closed", name, hook["name"], hook["failurePolicy"])
			}
			svc, _, _ := unstructured.NestedMap(hook, "clientConfig", "service")
			if svc["name"] != service || svc["namespace"] != in.Namespace {
				fail("%s: webhook %s calls service %v, want %s/%s", name, hook["name"], svc, in.Namespace, service)
			}
		}
	}
	dns, _, _ := unstructured.NestedStringSlice(find("Certificate", "serving-cert").Object, "spec", "dnsNames")
	if want := service + "." + in.Namespace + ".svc"; !slices.Contains(dns, want) {
		fail("the serving certificate names %v, not %s", dns, want)
	}
	checkJSON(find("Deployment", "controller-manager"), fail, "the manager's Deployment lacks",
		"--webhook-cert-path=", `"secretName":"webhook-server-cert"`, `"POD_NAMESPACE"`,
		fmt.Sprintf(`"serviceAccountName":"%scontroller-manager"`, in.Prefix))
	checkJSON(find("ClusterRole", "approver"), fail, "the approver role lacks", `"approve"`)
	checkJSON(find("ClusterRole", "manager-role"), fail, "the manager's role lacks", "subjectaccessreviews")
	for _, role := range []string{"requester", "viewer"} {
		if b, _ := json.Marshal(find("ClusterRole", role).Object); bytes.Contains(b, []byte(`"approve"`)) || bytes.Contains(b, []byte(`/status`)) {
			fail("%s%s grants approve or status", in.Prefix, role)
		}
	}
	in.checkOperatorSecrets(find, fail)
	return errors.Join(errs...)
}

// checkJSON fails for every text obj's JSON lacks.
func checkJSON(obj *unstructured.Unstructured, fail func(string, ...any), what string, texts ...string) {
	b, _ := json.Marshal(obj.Object)
	for _, t := range texts {
		if !bytes.Contains(b, []byte(t)) {
			fail("%s %s", what, t)
		}
	}
}
