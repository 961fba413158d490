package controller_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"

	. "github.com/onsi/gomega"
	admissionv1 "k8s.io/api/admission/v1"
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
	old := getRequest(key)
	obj := old.DeepCopy()
	if obj.Annotations == nil {
		obj.Annotations = map[string]string{}
	}
	obj.Annotations[v1.DecisionAnnotationPrefix+slot] = "approve"
	resp := callWebhook(webhookv1.RequestPath, admissionv1.AdmissionRequest{
		UID:       types.UID("claim-" + slot),
		Kind:      metav1.GroupVersionKind{Group: v1.GroupVersion.Group, Version: v1.GroupVersion.Version, Kind: "ApprovalRequest"},
		Resource:  metav1.GroupVersionResource{Group: v1.GroupVersion.Group, Version: v1.GroupVersion.Version, Resource: "approvalrequests"},
		Name:      key.Name,
		Namespace: key.Namespace,
		Operation: admissionv1.Update,
		UserInfo:  authenticationv1.UserInfo{Username: user, Groups: groups},
		Object:    runtime.RawExtension{Raw: mustJSON(obj)},
		OldObject: runtime.RawExtension{Raw: mustJSON(old)},
	})
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
