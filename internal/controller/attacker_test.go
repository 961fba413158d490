package controller_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"

	. "github.com/onsi/gomega"
	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	webhookv1 "github.com/tollgate-dev/tollgate/internal/webhook/v1alpha1"
)

// Helpers for specs that attack tollgate from outside kubectl: by calling the endpoints it
// serves, as any pod that reaches the webhook Service can.

// callWebhook POSTs an AdmissionReview straight to one of tollgate's webhook paths, claiming
// whatever userInfo the caller likes, and returns the webhook's answer.
func callWebhook(path string, req admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
	o := env.ControlPlane.Env.WebhookInstallOptions
	pool := x509.NewCertPool()
	Expect(pool.AppendCertsFromPEM(o.LocalServingCAData)).To(BeTrue())
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	review := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: admissionv1.SchemeGroupVersion.String(), Kind: "AdmissionReview"},
		Request:  &req,
	}
	url := "https://" + net.JoinHostPort(o.LocalServingHost, strconv.Itoa(o.LocalServingPort)) + path
	resp, err := c.Post(url, "application/json", bytes.NewReader(mustJSON(review)))
	Expect(err).NotTo(HaveOccurred())
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	Expect(json.Unmarshal(body, &review)).To(Succeed(), "the webhook's answer: %s", body)
	Expect(review.Response).NotTo(BeNil())
	return review.Response
}

// claimDecision asks the request webhook directly, claiming to be user, to admit a decision
// annotation on the request as it is stored, and returns the annotations its patch would set
// (nil when it did not patch).
func claimDecision(key client.ObjectKey, slot, user string, groups ...string) map[string]string {
	resp := callWebhook(webhookv1.RequestPath, claimRequest(key, slot, user, groups...))
	if !resp.Allowed || len(resp.Patch) == 0 {
		return nil
	}
	var ops []struct {
		Path  string            `json:"path"`
		Value map[string]string `json:"value"`
	}
	Expect(json.Unmarshal(resp.Patch, &ops)).To(Succeed())
	for _, op := range ops {
		if op.Path == "/metadata/annotations" {
			return op.Value
		}
	}
	return nil
}

// claimDecisionObject asks the decision webhook directly, claiming to be user, to admit an
// ApproverDecision for slot, and returns the record its patch would set ("" when none).
func claimDecisionObject(key client.ObjectKey, slot, user string, groups ...string) string {
	d := decisionObject(key, "claimed-"+slot, slot, v1.DecisionApprove, "")
	resp := callWebhook(webhookv1.DecisionPath, admissionv1.AdmissionRequest{
		UID:       types.UID("claim-decision-" + slot),
		Kind:      metav1.GroupVersionKind{Group: v1.GroupVersion.Group, Version: v1.GroupVersion.Version, Kind: "ApproverDecision"},
		Resource:  metav1.GroupVersionResource{Group: v1.GroupVersion.Group, Version: v1.GroupVersion.Version, Resource: "approverdecisions"},
		Name:      d.Name,
		Namespace: key.Namespace,
		Operation: admissionv1.Create,
		UserInfo:  authenticationv1.UserInfo{Username: user, Groups: groups},
		Object:    runtime.RawExtension{Raw: mustJSON(d)},
	})
	if !resp.Allowed || len(resp.Patch) == 0 {
		return ""
	}
	var ops []struct {
		Path  string          `json:"path"`
		Value json.RawMessage `json:"value"`
	}
	Expect(json.Unmarshal(resp.Patch, &ops)).To(Succeed())
	for _, op := range ops {
		var annotations map[string]string
		if op.Path == "/metadata/annotations" && json.Unmarshal(op.Value, &annotations) == nil {
			return annotations[v1.RecordAnnotation]
		}
	}
	return ""
}

// writeLedgerEntry writes, as c, a decision of slot into the request's status ledger, carrying
// record and naming by as its decider (an update of the whole status: no token is dropped).
func writeLedgerEntry(c client.Client, key client.ObjectKey, slot, by, record string) error {
	obj := getRequest(key)
	now := metav1.Now()
	for i := range obj.Status.Approvers {
		if s := &obj.Status.Approvers[i]; s.Name == slot {
			s.Decision, s.DecidedBy, s.DecidedAt, s.Source, s.Record = v1.DecisionApprove, by, &now, "annotation", record
		}
	}
	return c.Status().Update(ctx, obj)
}

// claimRequest is the AdmissionReview request of user adding slot's decision annotation to the
// request as it is stored.
func claimRequest(key client.ObjectKey, slot, user string, groups ...string) admissionv1.AdmissionRequest {
	old := getRequest(key)
	obj := old.DeepCopy()
	if obj.Annotations == nil {
		obj.Annotations = map[string]string{}
	}
	obj.Annotations[v1.DecisionAnnotationPrefix+slot] = "approve"
	return admissionv1.AdmissionRequest{
		UID:       types.UID("claim-" + slot),
		Kind:      metav1.GroupVersionKind{Group: v1.GroupVersion.Group, Version: v1.GroupVersion.Version, Kind: "ApprovalRequest"},
		Resource:  metav1.GroupVersionResource{Group: v1.GroupVersion.Group, Version: v1.GroupVersion.Version, Resource: "approvalrequests"},
		Name:      key.Name,
		Namespace: key.Namespace,
		Operation: admissionv1.Update,
		UserInfo:  authenticationv1.UserInfo{Username: user, Groups: groups},
		Object:    runtime.RawExtension{Raw: mustJSON(obj)},
		OldObject: runtime.RawExtension{Raw: mustJSON(old)},
	}
}

// undecodable is a status a client may send with a write of the main resource: the API server
// drops it (status is a subresource), but it has the wrong type for tollgate's Go types.
var undecodable = map[string]any{"status": map[string]any{"observedGeneration": "x"}}

// patchAs sends a JSON merge patch of the main resource as c.
func patchAs(c client.Client, obj client.Object, patch map[string]any) error {
	return c.Patch(ctx, obj, client.RawPatch(types.MergePatchType, mustJSON(patch)))
}

// createUnstructured creates an object given as JSON-like maps, as c.
func createUnstructured(c client.Client, obj map[string]any) error {
	return c.Create(ctx, &unstructured.Unstructured{Object: obj})
}

// requestRef is an object that names a request, for patches.
func requestRef(key client.ObjectKey) *v1.ApprovalRequest {
	return &v1.ApprovalRequest{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}}
}

// withAnnotations merges annotations into a patch.
func withAnnotations(patch map[string]any, annotations map[string]any) map[string]any {
	return merged(patch, map[string]any{"metadata": map[string]any{"annotations": annotations}})
}

// longText is a text of n characters.
func longText(n int) string { return strings.Repeat("x", n) }

// refusedWith matches an API error whose message says all of parts.
func refusedWith(parts ...string) OmegaMatcher {
	matchers := make([]OmegaMatcher, 0, len(parts))
	for _, p := range parts {
		matchers = append(matchers, ContainSubstring(p))
	}
	return MatchError(And(matchers...))
}

// hostileWebhook installs a mutating webhook of someone else's, called after tollgate's for
// updates of approvalrequests in namespace: when user writes, it sets annotations in the object
// (a JSON patch). It returns its removal.
func hostileWebhook(namespace, user string, annotations map[string]string) func() {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var review admissionv1.AdmissionReview
		if err := json.NewDecoder(r.Body).Decode(&review); err != nil || review.Request == nil {
			http.Error(w, "bad review", http.StatusBadRequest)
			return
		}
		resp := &admissionv1.AdmissionResponse{UID: review.Request.UID, Allowed: true}
		if review.Request.UserInfo.Username == user {
			var obj v1.ApprovalRequest
			if json.Unmarshal(review.Request.Object.Raw, &obj) == nil {
				all := map[string]string{}
				maps.Copy(all, obj.Annotations)
				maps.Copy(all, annotations)
				resp.Patch = mustJSON([]map[string]any{{"op": "add", "path": "/metadata/annotations", "value": all}})
				pt := admissionv1.PatchTypeJSONPatch
				resp.PatchType = &pt
			}
		}
		review.Response = resp
		_ = json.NewEncoder(w).Encode(review)
	}))
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	none := admissionregistrationv1.SideEffectClassNone
	ignore := admissionregistrationv1.Ignore
	never := admissionregistrationv1.NeverReinvocationPolicy
	url := srv.URL
	cfg := &admissionregistrationv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "zz-hostile-" + namespace},
		Webhooks: []admissionregistrationv1.MutatingWebhook{{
			Name:                    "hostile.example.com",
			ClientConfig:            admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: caPEM},
			Rules:                   []admissionregistrationv1.RuleWithOperations{{Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Update}, Rule: admissionregistrationv1.Rule{APIGroups: []string{v1.GroupVersion.Group}, APIVersions: []string{"*"}, Resources: []string{"approvalrequests"}}}},
			NamespaceSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": namespace}},
			SideEffects:             &none,
			FailurePolicy:           &ignore,
			ReinvocationPolicy:      &never,
			AdmissionReviewVersions: []string{"v1"},
		}},
	}
	Expect(k8sClient.Create(ctx, cfg)).To(Succeed())
	return func() {
		Expect(k8sClient.Delete(ctx, cfg)).To(Succeed())
		srv.Close()
	}
}

// dryRunDecision is the record a server-side dry-run of a slot's person deciding it returns:
// what admission wrote, handed back by the API server itself.
func dryRunDecision(key client.ObjectKey, slot string) string {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(v1.GroupVersion.WithKind("ApprovalRequest"))
	u.SetNamespace(key.Namespace)
	u.SetName(key.Name)
	patch := map[string]any{"metadata": map[string]any{"annotations": map[string]any{v1.DecisionAnnotationPrefix + slot: "approve"}}}
	Expect(as(person(slot), approversGroup).Patch(ctx, u, client.RawPatch(types.MergePatchType, mustJSON(patch)), client.DryRunAll)).To(Succeed())
	return u.GetAnnotations()[v1.DecisionAnnotationPrefix+slot+v1.DecisionRecordSuffix]
}
