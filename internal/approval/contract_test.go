package approval

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

func testRequest() *v1.ApprovalRequest {
	created := metav1.NewTime(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	return &v1.ApprovalRequest{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "deploy", UID: "uid-1", CreationTimestamp: created},
		Spec: v1.ApprovalRequestSpec{
			Description: "ship it",
			Approvers:   []v1.Approver{{Name: "alice", Email: "a@example.com"}, {Name: "bob"}},
			Timeout:     &metav1.Duration{Duration: time.Hour},
			Payload:     &runtime.RawExtension{Raw: []byte(`{"image":"v42"}`)},
		},
	}
}

func TestBuildExecutionInputIsDeterministicAndComplete(t *testing.T) {
	req := testRequest()
	a, err := BuildExecutionInput(req, "cluster-1", 300)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := BuildExecutionInput(req, "cluster-1", 300)
	if string(a) != string(b) {
		t.Fatalf("input differs between two renderings: a retried StartExecution would not be idempotent")
	}
	var in ExecutionInput
	if err := json.Unmarshal(a, &in); err != nil {
		t.Fatal(err)
	}
	id := in.Tollgate
	if id.Cluster != "cluster-1" || id.Namespace != "team-a" || id.Name != "deploy" || id.UID != "uid-1" ||
		id.RequiredApprovals != 2 || id.ApproverCount != 2 || id.HeartbeatSeconds != 300 {
		t.Fatalf("identity = %+v", id)
	}
	if want := time.Date(2026, 11, 25, 13, 0, 0, 0, time.UTC); !id.ExpiresAt.Equal(want) {
		t.Fatalf("expiresAt = %s, want %s", id.ExpiresAt, want)
	}
	if len(in.Approvers) != 2 || in.Approvers[0].Email != "a@example.com" || string(in.Payload) != `{"image":"v42"}` {
		t.Fatalf("approvers/payload = %+v %s", in.Approvers, in.Payload)
	}
}

func TestBuildExecutionInputRefusesOversizedPayload(t *testing.T) {
	req := testRequest()
	req.Spec.Payload.Raw = []byte(`{"blob":"` + strings.Repeat("x", MaxPayloadBytes) + `"}`)
	if _, err := BuildExecutionInput(req, "c", 300); err == nil || !strings.Contains(err.Error(), "spec.payload") {
		t.Fatalf("err = %v, want a too-large error naming spec.payload", err)
	}
}

func TestExpiresAtWithoutTimeoutStaysUnderTheExecutionCap(t *testing.T) {
	req := testRequest()
	req.Spec.Timeout = nil
	if got := ExpiresAt(req).Sub(req.CreationTimestamp.Time); got >= 365*24*time.Hour {
		t.Fatalf("unbounded wait %s reaches the one-year cap", got)
	}
}

func TestParseTaskInput(t *testing.T) {
	cases := []struct {
		name, raw, wantErr string
	}{
		{"approval", `{"tollgate":{"namespace":"a","name":"b","uid":"c"},"task":"approval","approver":"alice"}`, ""},
		{"outcome", `{"tollgate":{"namespace":"a","name":"b","uid":"c"},"task":"outcome","outcome":"Approved"}`, ""},
		{"not json", `nope`, "not tollgate's contract"},
		{"no identity", `{"task":"approval","approver":"alice"}`, "lacks tollgate.namespace"},
		{"approval without slot", `{"tollgate":{"namespace":"a","name":"b","uid":"c"},"task":"approval"}`, "lacks the approver"},
		{"unknown task", `{"tollgate":{"namespace":"a","name":"b","uid":"c"},"task":"audit"}`, "unknown task"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseTaskInput([]byte(c.raw))
			if c.wantErr == "" && err != nil || c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
				t.Fatalf("err = %v, want %q", err, c.wantErr)
			}
		})
	}
}

// FuzzParseTaskInput: task input comes from Step Functions, i.e. from whoever can start an
// execution on the activity; it must never panic and never yield an unaddressable task.
func FuzzParseTaskInput(f *testing.F) {
	f.Add([]byte(`{"tollgate":{"namespace":"a","name":"b","uid":"c"},"task":"approval","approver":"alice"}`))
	f.Add([]byte(`{"tollgate":null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		in, err := ParseTaskInput(raw)
		if err != nil {
			return
		}
		if in.Tollgate.Namespace == "" || in.Tollgate.Name == "" || in.Tollgate.UID == "" {
			t.Fatalf("accepted a task without a request: %s", raw)
		}
		if in.Task == TaskApproval && in.Approver == "" {
			t.Fatalf("accepted an approval task without a slot: %s", raw)
		}
	})
}

func TestBuildDecisionOutput(t *testing.T) {
	at := metav1.NewTime(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	out, err := BuildDecisionOutput(&v1.ApproverStatus{Name: "bob", Decision: v1.DecisionReject, DecidedBy: "bob@x", DecidedAt: &at, Comment: "no"}, VerdictUnreachable)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"approver":"bob","decision":"reject","decidedBy":"bob@x","decidedAt":"2026-11-25T12:00:00Z","comment":"no","quorum":"unreachable"}`
	if out != want {
		t.Fatalf("output = %s\nwant     %s", out, want)
	}
}
