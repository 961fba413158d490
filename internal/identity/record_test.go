package identity

import (
	"errors"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

func testSigner(t testing.TB) *Signer {
	t.Helper()
	s, err := NewSigner([]byte(strings.Repeat("k", MinKeyBytes)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testRequest() *v1.ApprovalRequest {
	return &v1.ApprovalRequest{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "deploy", UID: "uid-1"},
		Spec: v1.ApprovalRequestSpec{
			Description: "ship it",
			Approvers: []v1.Approver{
				{Name: "alice", Users: []string{"alice"}},
				{Name: "sre", Groups: []string{"sre"}},
			},
			Payload: &runtime.RawExtension{Raw: []byte(`{"b":2,"a":1.5}`)},
		},
	}
}

var alice = User{Username: "alice", UID: "u-1", Groups: []string{"dev", "system:authenticated"}, Extra: map[string][]string{"scopes": {"a", "b"}}}

func TestDecisionRecordRoundTripsAndBinds(t *testing.T) {
	s, req := testSigner(t), testRequest()
	at := time.Date(2026, 11, 30, 10, 0, 0, 123, time.UTC)
	text, err := s.SignDecision(NewDecision(req, "alice", v1.DecisionApprove, "lgtm", ViaAnnotation, alice, at))
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.VerifyDecision(text)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if d.By.Username != "alice" || d.Slot != "alice" || d.Via != ViaAnnotation || !d.At.Equal(at.Truncate(time.Millisecond)) || len(d.ID) != 32 {
		t.Fatalf("record = %+v", d)
	}
	if err := d.Binds(req, "alice", v1.DecisionApprove, "lgtm"); err != nil {
		t.Fatalf("binds: %v", err)
	}
	cases := []struct {
		name     string
		mutate   func(*v1.ApprovalRequest)
		slot     string
		decision v1.Decision
		comment  string
		want     string
	}{
		{"a namesake (another UID)", func(r *v1.ApprovalRequest) { r.UID = "uid-2" }, "alice", v1.DecisionApprove, "lgtm", "another ApprovalRequest named deploy"},
		{"another slot", nil, "sre", v1.DecisionApprove, "lgtm", "for slot alice, not sre"},
		{"the other verdict", nil, "alice", v1.DecisionReject, "lgtm", "records Approve, not Reject"},
		{"an edited comment", nil, "alice", v1.DecisionApprove, "lgtm!", "comment was changed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := testRequest()
			if c.mutate != nil {
				c.mutate(r)
			}
			if err := d.Binds(r, c.slot, c.decision, c.comment); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Binds = %v, want an error containing %q", err, c.want)
			}
		})
	}
}

func TestForgedRecordsAreRefused(t *testing.T) {
	s, req := testSigner(t), testRequest()
	text, err := s.SignDecision(NewDecision(req, "alice", v1.DecisionApprove, "", ViaAnnotation, alice, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewSigner([]byte(strings.Repeat("x", MinKeyBytes)))
	otherText, _ := other.SignDecision(NewDecision(req, "alice", v1.DecisionApprove, "", ViaAnnotation, alice, time.Now()))
	requester, _ := NewRequester(req, alice, time.Now())
	requesterText, _ := s.SignRequester(requester)
	cases := map[string]string{
		"empty":                     "",
		"not JSON":                  "approve",
		"no MAC":                    strings.Replace(text, `"mac":`, `"x":`, 1),
		"someone else's name":       strings.Replace(text, `"username":"alice"`, `"username":"mallory"`, 1),
		"the other verdict":         strings.Replace(text, `"decision":"Approve"`, `"decision":"Reject"`, 1),
		"an extra field":            strings.Replace(text, `{"v":1,`, `{"v":1,"admin":true,`, 1),
		"trailing data":             text + `{}`,
		"signed with another key":   otherText,
		"a requester record":        requesterText,
		"a client's own mac":        `{"v":1,"id":"x","request":{"namespace":"team-a","name":"deploy","uid":"uid-1"},"slot":"alice","decision":"Approve","via":"annotation","by":{"username":"mallory"},"at":"2026-11-30T10:00:00Z","mac":"AAAA"}`,
		"the MAC of another record": strings.Replace(text, `"slot":"alice"`, `"slot":"sre"`, 1),
	}
	for name, forged := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := s.VerifyDecision(forged); !errors.Is(err, ErrUnverified) {
				t.Fatalf("VerifyDecision(%s) = %v, want ErrUnverified", forged, err)
			}
		})
	}
}

func TestRequesterRecordBindsNamespaceNameAndSpec(t *testing.T) {
	s, req := testSigner(t), testRequest()
	r, err := NewRequester(req, alice, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	text, _ := s.SignRequester(r)
	req.Annotations = map[string]string{v1.RequesterAnnotation: text}
	got, err := s.RequesterOf(req)
	if err != nil || got.Username != "alice" {
		t.Fatalf("RequesterOf = %+v, %v", got, err)
	}
	// The API server re-encodes the payload with sorted keys: the digest must not change.
	resorted := req.DeepCopy()
	resorted.Spec.Payload.Raw = []byte(`{"a":1.5,"b":2}`)
	if _, err := s.RequesterOf(resorted); err != nil {
		t.Fatalf("a re-encoded payload is another spec: %v", err)
	}
	for name, mutate := range map[string]func(*v1.ApprovalRequest){
		"another spec":      func(r *v1.ApprovalRequest) { r.Spec.Description = "ship something else" },
		"another name":      func(r *v1.ApprovalRequest) { r.Name = "deploy-2" },
		"another namespace": func(r *v1.ApprovalRequest) { r.Namespace = "team-b" },
		"no annotation":     func(r *v1.ApprovalRequest) { delete(r.Annotations, v1.RequesterAnnotation) },
	} {
		t.Run(name, func(t *testing.T) {
			r := req.DeepCopy()
			mutate(r)
			if _, err := s.RequesterOf(r); !errors.Is(err, ErrUnverified) {
				t.Fatalf("RequesterOf = %v, want ErrUnverified", err)
			}
		})
	}
	t.Run("generateName", func(t *testing.T) {
		r := testRequest()
		r.Name, r.GenerateName = "", "deploy-"
		rec, _ := NewRequester(r, alice, time.Now())
		text, _ := s.SignRequester(rec)
		r.Name = "deploy-x7k2p"
		r.Annotations = map[string]string{v1.RequesterAnnotation: text}
		if _, err := s.RequesterOf(r); err != nil {
			t.Fatalf("a generated name: %v", err)
		}
	})
}

func TestNewSignerRefusesShortKeys(t *testing.T) {
	if _, err := NewSigner([]byte("short")); err == nil {
		t.Fatal("a 5-byte key was accepted")
	}
}

// FuzzVerifyDecision: records come from annotations anyone who may patch a request can write;
// no input may panic, and none verifies without the key.
func FuzzVerifyDecision(f *testing.F) {
	s := testSigner(f)
	text, _ := s.SignDecision(NewDecision(testRequest(), "alice", v1.DecisionApprove, "c", ViaAnnotation, alice, time.Now()))
	f.Add(text)
	f.Add(`{"v":1}`)
	f.Add(`{"by":{"extra":{"a":null}}}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, in string) {
		d, err := s.VerifyDecision(in)
		if err == nil && in != text {
			// Only re-encodings of the signed record may verify (JSON allows whitespace).
			if d.By.Username != "alice" || d.Slot != "alice" || d.Decision != v1.DecisionApprove {
				t.Fatalf("a record that was never signed verified: %s", in)
			}
		}
	})
}
