package identity

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// legacyKey is the key of the version 1 records in these tests.
var legacyKey = []byte(strings.Repeat("k", MinKeyBytes))

func testRecords(t testing.TB) *Records {
	t.Helper()
	r, err := NewRecords(legacyKey)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// signLegacy writes a decision record as the admission webhook signed them before version 2.
func signLegacy(t testing.TB, key []byte, d Decision) string {
	t.Helper()
	d.Version, d.MAC = legacyVersion, ""
	body, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	d.MAC = legacyMAC(key, kindDecision, body)
	out, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
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
	s, req := testRecords(t), testRequest()
	at := time.Date(2026, 11, 30, 10, 0, 0, 123, time.UTC)
	text, err := WriteDecision(NewDecision(req, "alice", v1.DecisionApprove, "lgtm", ViaAnnotation, alice, at))
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.ReadDecision(text)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if d.By.Username != "alice" || d.Slot != "alice" || d.Via != ViaAnnotation || !d.At.Equal(at.Truncate(time.Millisecond)) || len(d.ID) != 32 || d.Version != 2 || d.MAC != "" {
		t.Fatalf("record = %+v", d)
	}
	if d.By.Groups != nil || d.By.Extra != nil || strings.Contains(text, "scopes") {
		t.Fatalf("the record keeps groups the slot does not name, or the credential's extra fields: %s", text)
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

// A record reads only in its two forms: unsigned (version 2), or signed with the legacy key
// (version 1) while that key is kept. Reading is not believing: who may write which record is
// the guards' business (internal/webhook/v1alpha1).
func TestRecordsThatDoNotRead(t *testing.T) {
	s, req := testRecords(t), testRequest()
	text, err := WriteDecision(NewDecision(req, "alice", v1.DecisionApprove, "", ViaAnnotation, alice, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	legacy := signLegacy(t, legacyKey, NewDecision(req, "alice", v1.DecisionApprove, "", ViaAnnotation, alice, time.Now()))
	requester, _ := NewRequester(req, alice, time.Now())
	requesterText, _ := WriteRequester(requester)
	cases := map[string]string{
		"empty":                         "",
		"not JSON":                      "approve",
		"an extra field":                strings.Replace(text, `{"v":2,`, `{"v":2,"admin":true,`, 1),
		"trailing data":                 text + `{}`,
		"a requester record":            requesterText,
		"version 2 with a signature":    strings.Replace(text, `{"v":2,`, `{"v":2,"mac":"AAAA",`, 1),
		"version 1 without a signature": strings.Replace(text, `{"v":2,`, `{"v":1,`, 1),
		"version 1 signed with another": signLegacy(t, []byte(strings.Repeat("x", MinKeyBytes)), NewDecision(req, "alice", v1.DecisionApprove, "", ViaAnnotation, alice, time.Now())),
		"version 1, altered":            strings.Replace(legacy, `"decision":"Approve"`, `"decision":"Reject"`, 1),
		"a version that does not exist": strings.Replace(text, `{"v":2,`, `{"v":3,`, 1),
	}
	for name, bad := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := s.ReadDecision(bad); !errors.Is(err, ErrUnverified) {
				t.Fatalf("ReadDecision(%s) = %v, want ErrUnverified", bad, err)
			}
		})
	}
	if _, err := s.ReadDecision(legacy); err != nil {
		t.Fatalf("a version 1 record signed with the legacy key: %v", err)
	}
	retired, _ := NewRecords(nil)
	if _, err := retired.ReadDecision(legacy); !errors.Is(err, ErrUnverified) || !strings.Contains(err.Error(), "retired") {
		t.Fatalf("a version 1 record once the key is retired: %v", err)
	}
}

func TestRequesterRecordBindsNamespaceNameAndSpec(t *testing.T) {
	s, req := testRecords(t), testRequest()
	r, err := NewRequester(req, alice, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	text, _ := WriteRequester(r)
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
		text, _ := WriteRequester(rec)
		r.Name = "deploy-x7k2p"
		r.Annotations = map[string]string{v1.RequesterAnnotation: text}
		if _, err := s.RequesterOf(r); err != nil {
			t.Fatalf("a generated name: %v", err)
		}
	})
}

func TestNewRecordsRefusesShortLegacyKeys(t *testing.T) {
	if _, err := NewRecords([]byte("short")); err == nil {
		t.Fatal("a 5-byte key was accepted")
	}
}

// FuzzReadDecision: records come from annotations anyone who may patch a request can write; no
// input may panic, and what reads is an unsigned record of version 2 or a version 1 record the
// legacy key signed.
func FuzzReadDecision(f *testing.F) {
	s := testRecords(f)
	text, _ := WriteDecision(NewDecision(testRequest(), "alice", v1.DecisionApprove, "c", ViaAnnotation, alice, time.Now()))
	legacy := signLegacy(f, legacyKey, NewDecision(testRequest(), "alice", v1.DecisionApprove, "c", ViaAnnotation, alice, time.Now()))
	f.Add(text)
	f.Add(legacy)
	f.Add(`{"v":1}`)
	f.Add(`{"by":{"extra":{"a":null}}}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, in string) {
		d, err := s.ReadDecision(in)
		if err != nil {
			return
		}
		switch {
		case d.Version == recordVersion && d.MAC == "":
		case d.Version == legacyVersion && d.By.Username == "alice" && d.Slot == "alice":
			// only re-encodings of the signed record (JSON allows whitespace)
		default:
			t.Fatalf("read a record of neither form: %s", in)
		}
	})
}
