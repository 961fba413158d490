package v1alpha1

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"gomodules.xyz/jsonpatch/v2"
	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/identity"
)

// These are the webhooks' pure parts: decoding what the API server sends and answering it.
// The identity model end to end (impersonated people, RBAC, a real API server) is proven in
// internal/controller's Identity specs.

// noObjects answers every read with nothing: no other request, decision or policy exists, and
// every namespace exists without labels.
type noObjects struct{ client.Reader }

func (noObjects) List(context.Context, client.ObjectList, ...client.ListOption) error { return nil }

func (noObjects) Get(_ context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	if ns, ok := obj.(*corev1.Namespace); ok {
		ns.Name = key.Name
		return nil
	}
	return apierrors.NewNotFound(v1.GroupVersion.WithResource("objects").GroupResource(), key.Name)
}

// everyoneMayApprove is the cluster's authorizer for these tests.
type everyoneMayApprove struct{}

func (everyoneMayApprove) Allowed(context.Context, identity.User, string, identity.Object) (bool, string, error) {
	return true, "", nil
}

// testAdmission is the request's admission as the API server runs it: the mutating webhook, then
// the guard.
func testAdmission(t testing.TB) (*RequestAdmission, *RequestGuard) {
	records, err := identity.NewRecords(nil)
	if err != nil {
		t.Fatal(err)
	}
	scheme := runtime.NewScheme()
	if err := v1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	o := Options{
		Checker:  &identity.Checker{Records: records, Reviewer: everyoneMayApprove{}},
		Operator: "system:serviceaccount:tollgate-system:tollgate-controller-manager",
		Reader:   noObjects{}, Decisions: noObjects{}, Clock: clocktesting.NewFakePassiveClock(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)),
	}
	return &RequestAdmission{Options: o, decoder: admission.NewDecoder(scheme)}, &RequestGuard{Options: o, decoder: admission.NewDecoder(scheme)}
}

// admit runs a write through the mutating webhook, applies its patch as the API server would,
// and asks the guard: the guard's answer ("" when admitted) and the object as it is stored.
func admit(t testing.TB, h *RequestAdmission, g *RequestGuard, op admissionv1.Operation, user string, obj, old []byte) (string, []byte) {
	t.Helper()
	resp := h.Handle(context.Background(), review(op, user, obj, old))
	if !resp.Allowed {
		return resp.Result.Message + causes(resp), nil
	}
	var o map[string]any
	if err := json.Unmarshal(obj, &o); err != nil {
		t.Fatal(err)
	}
	if len(resp.Patches) > 0 {
		meta, _ := o["metadata"].(map[string]any)
		meta["annotations"] = annotationsAfter(t, obj, resp)
	}
	stored, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	return answer(g.Handle(context.Background(), review(op, user, stored, old))), stored
}

const requestJSON = `{"apiVersion":"approvals.tollgate.dev/v1alpha1","kind":"ApprovalRequest",
"metadata":{"name":"deploy","namespace":"team-a","uid":"uid-1"%s},
"spec":{"description":"d","timeout":"72h","approvers":[{"name":"alice","users":["alice"]},{"name":"bob","users":["bob"]}]}}`

func requestWith(annotations string) []byte {
	if annotations != "" {
		annotations = `,"annotations":` + annotations
	}
	return []byte(strings.Replace(requestJSON, "%s", annotations, 1))
}

func review(op admissionv1.Operation, user string, obj, old []byte) admission.Request {
	req := admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		Operation: op, Name: "deploy", Namespace: "team-a",
		UserInfo: authenticationv1.UserInfo{Username: user},
		Object:   runtime.RawExtension{Raw: obj},
	}}
	if old != nil {
		req.OldObject = runtime.RawExtension{Raw: old}
	}
	return req
}

// annotationsAfter applies the response's patch to the request's annotations.
func annotationsAfter(t testing.TB, obj []byte, resp admission.Response) map[string]string {
	var o struct {
		Metadata struct {
			Annotations map[string]string `json:"annotations"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(obj, &o); err != nil {
		t.Fatal(err)
	}
	out := o.Metadata.Annotations
	for _, p := range resp.Patches {
		if p.Path != "/metadata/annotations" {
			t.Fatalf("the webhook patched %s: only metadata is ever patched", p.Path)
		}
		b, _ := json.Marshal(p.Value)
		out = map[string]string{}
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("patched annotations: %v", err)
		}
	}
	return out
}

func TestCreateRecordsTheRequesterAndNothingElse(t *testing.T) {
	h, _ := testAdmission(t)
	obj := requestWith(`{"tollgate.dev/requester":"{\"by\":{\"username\":\"someone-else\"}}","approvals.tollgate.dev/alice.record":"forged","x":"y"}`)
	resp := h.Handle(context.Background(), review(admissionv1.Create, "ravi", obj, nil))
	if !resp.Allowed {
		t.Fatalf("refused: %v", resp.Result)
	}
	ann := annotationsAfter(t, obj, resp)
	if _, ok := ann["approvals.tollgate.dev/alice.record"]; ok {
		t.Fatal("a record sent by the client survived")
	}
	if ann["x"] != "y" {
		t.Fatal("another annotation was lost")
	}
	rec, err := h.Checker.Records.ReadRequester(ann[v1.RequesterAnnotation])
	if err != nil || rec.By.Username != "ravi" {
		t.Fatalf("requester record = %+v, %v; want ravi, verified", rec, err)
	}
	for _, p := range resp.Patches {
		if strings.HasPrefix(p.Path, "/spec") {
			t.Fatalf("the spec was rewritten (%s): timeout 72h would become 72h0m0s", p.Path)
		}
	}
}

func TestAdmissionAnswers(t *testing.T) {
	h, g := testAdmission(t)
	created := h.Handle(context.Background(), review(admissionv1.Create, "ravi", requestWith(""), nil))
	withRequester := annotationsAfter(t, requestWith(""), created)
	requester, _ := json.Marshal(withRequester[v1.RequesterAnnotation])
	base := `{"tollgate.dev/requester":` + string(requester)
	cases := []struct {
		name, user, old, new, want string
	}{
		{name: "a decision at creation", user: "ravi", new: `{"approvals.tollgate.dev/alice":"approve"}`,
			want: "a decision cannot be set when the request is created"},
		{name: "an approver decides", user: "alice", old: base + `}`, new: base + `,"approvals.tollgate.dev/alice":"Approve"}`},
		{name: "someone else's slot", user: "mallory", old: base + `}`, new: base + `,"approvals.tollgate.dev/alice":"approve"}`,
			want: "mallory may not decide slot alice"},
		{name: "not a decision word", user: "alice", old: base + `}`, new: base + `,"approvals.tollgate.dev/alice":"yes"}`,
			want: `metadata.annotations[approvals.tollgate.dev/alice]: Invalid value: "yes": use approve or reject`},
		{name: "not a slot name", user: "alice", old: base + `}`, new: base + `,"approvals.tollgate.dev/Alice":"approve"}`,
			want: `"Alice" is not an approver slot name`},
		{name: "an unknown slot", user: "alice", old: base + `}`, new: base + `,"approvals.tollgate.dev/zed":"approve"}`,
			want: `the request has no approver slot "zed"`},
		{name: "a comment over the limit", user: "alice", old: base + `}`, new: base + `,"approvals.tollgate.dev/alice":"approve","approvals.tollgate.dev/alice.comment":"` + strings.Repeat("é", v1.MaxCommentLength+1) + `"}`,
			want: "Too long: may not be more than 1024"},
		{name: "two slots in one write by one person", user: "alice", old: base + `}`, new: base + `,"approvals.tollgate.dev/alice":"approve","approvals.tollgate.dev/bob":"approve"}`,
			want: "alice may not decide slot bob"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			op := admissionv1.Update
			var old []byte
			if c.old == "" {
				op = admissionv1.Create
			} else {
				old = requestWith(c.old)
			}
			got, _ := admit(t, h, g, op, c.user, requestWith(c.new), old)
			switch {
			case c.want == "" && got != "":
				t.Fatalf("refused: %s", got)
			case c.want != "" && got == "":
				t.Fatalf("admitted; want %q", c.want)
			case c.want != "" && !strings.Contains(got, c.want):
				t.Fatalf("refused with %q; want %q", got, c.want)
			}
		})
	}
}

func causes(resp admission.Response) string {
	if resp.Result == nil || resp.Result.Details == nil {
		return ""
	}
	var s []string
	for _, c := range resp.Result.Details.Causes {
		s = append(s, c.Field+": "+c.Message)
	}
	return " " + strings.Join(s, "; ")
}

// FuzzRequestAdmission: whatever the API server hands the webhook (the object as a client
// wrote it, and the stored one), it answers without panicking, patches only metadata, and
// every slot record it lets through is one it signed itself, for the person writing, for the
// stored request — or one the stored object already had.
func FuzzRequestAdmission(f *testing.F) {
	f.Add([]byte(`{"approvals.tollgate.dev/alice":"approve"}`), []byte(`{}`), "alice", true)
	f.Add([]byte(`{"approvals.tollgate.dev/alice":"approve","approvals.tollgate.dev/alice.record":"{\"v\":1}"}`), []byte(`{}`), "mallory", true)
	f.Add([]byte(`{"approvals.tollgate.dev/bob.comment":"x","approvals.tollgate.dev/.x":"y"}`), []byte(`{"approvals.tollgate.dev/bob":"reject"}`), "bob", false)
	f.Add([]byte(`null`), []byte(`[]`), "", true)
	h, _ := testAdmission(f)
	f.Fuzz(func(t *testing.T, newAnn, oldAnn []byte, user string, update bool) {
		obj := requestWith(string(newAnn))
		var old []byte
		op := admissionv1.Create
		if update {
			op, old = admissionv1.Update, requestWith(string(oldAnn))
		}
		resp := h.Handle(context.Background(), review(op, user, obj, old))
		if !resp.Allowed {
			if resp.Result == nil || resp.Result.Message == "" {
				t.Fatal("a refusal without a message")
			}
			return
		}
		for _, p := range resp.Patches {
			if p.Path != "/metadata/annotations" && p.Path != "/metadata/ownerReferences" {
				t.Fatalf("patched %s", p.Path)
			}
			if p.Operation != "add" {
				t.Fatalf("patch operation %q", p.Operation)
			}
		}
		if len(resp.Patches) == 0 || json.Valid(obj) == false {
			return
		}
		after := annotationsAfter(t, obj, resp)
		var stored map[string]string
		if old != nil {
			stored = annotationsAfter(t, old, admission.Response{Patches: []jsonpatch.JsonPatchOperation{}})
		}
		for key, value := range after {
			if !strings.HasSuffix(key, v1.DecisionRecordSuffix) || stored[key] == value {
				continue
			}
			rec, err := h.Checker.Records.ReadDecision(value)
			if err != nil || rec.By.Username != user || rec.Request.UID != "uid-1" {
				t.Fatalf("record %s = %s let through (verify: %v)", key, value, err)
			}
		}
	})
}

// oneRequest holds one stored request, "deploy" in team-a, created by ravi.
type oneRequest struct {
	noObjects
	req *v1.ApprovalRequest
}

func (r oneRequest) Get(_ context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	if key.Name != r.req.Name || key.Namespace != r.req.Namespace {
		return apierrors.NewNotFound(v1.GroupVersion.WithResource("approvalrequests").GroupResource(), key.Name)
	}
	r.req.DeepCopyInto(obj.(*v1.ApprovalRequest))
	return nil
}

// FuzzDecisionAdmission: any ApproverDecision a client writes is answered without a panic;
// what is admitted on create carries a record the webhook signed, for the writer, bound to the
// stored request, and an owner reference to it; an update is never patched.
func FuzzDecisionAdmission(f *testing.F) {
	f.Add([]byte(`{"approvalRequestName":"deploy","approver":"alice","decision":"Approve"}`), []byte(`{}`), "alice", false)
	f.Add([]byte(`{"approvalRequestName":"deploy","approver":"alice","decision":"Reject","comment":"no"}`), []byte(`{"approvals.tollgate.dev/record":"x"}`), "mallory", true)
	f.Add([]byte(`{"approvalRequestName":"gone","approver":"bob","decision":"Approve"}`), []byte(`null`), "bob", false)
	h, _ := testAdmission(f)
	created := h.Handle(context.Background(), review(admissionv1.Create, "ravi", requestWith(""), nil))
	stored := &v1.ApprovalRequest{}
	if err := json.Unmarshal(requestWith(""), stored); err != nil {
		f.Fatal(err)
	}
	stored.Annotations = annotationsAfter(f, requestWith(""), created)
	o := h.Options
	o.Reader = oneRequest{req: stored}
	scheme := runtime.NewScheme()
	_ = v1.AddToScheme(scheme)
	d := &DecisionAdmission{Options: o, decoder: admission.NewDecoder(scheme)}
	f.Fuzz(func(t *testing.T, spec, annotations []byte, user string, update bool) {
		obj := []byte(`{"apiVersion":"approvals.tollgate.dev/v1alpha1","kind":"ApproverDecision","metadata":{"name":"d","namespace":"team-a","annotations":` +
			string(annotations) + `},"spec":` + string(spec) + `}`)
		op, old := admissionv1.Create, []byte(nil)
		if update {
			op, old = admissionv1.Update, obj
		}
		resp := d.Handle(context.Background(), review(op, user, obj, old))
		if !resp.Allowed {
			if resp.Result == nil || resp.Result.Message == "" {
				t.Fatal("a refusal without a message")
			}
			return
		}
		if update && len(resp.Patches) > 0 {
			t.Fatalf("an update was patched (the guard refuses what it may not change): %+v", resp.Patches)
		}
		for _, p := range resp.Patches {
			switch p.Path {
			case "/metadata/annotations":
				b, _ := json.Marshal(p.Value)
				var ann map[string]string
				if err := json.Unmarshal(b, &ann); err != nil {
					t.Fatal(err)
				}
				rec, err := h.Checker.Records.ReadDecision(ann[v1.RecordAnnotation])
				if err != nil || rec.By.Username != user || rec.Request.UID != "uid-1" {
					t.Fatalf("record %q let through (verify: %v)", ann[v1.RecordAnnotation], err)
				}
			case "/metadata/ownerReferences":
			default:
				t.Fatalf("patched %s", p.Path)
			}
		}
	})
}
