package identity

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// A ledger entry is believed only where its source stands: records are not signed.
func TestBacked(t *testing.T) {
	req := testRequest()
	write := func(via string) string {
		text, err := WriteDecision(NewDecision(req, "alice", v1.DecisionApprove, "ok", via, alice, time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		return text
	}
	byAnnotation, byObject := write(ViaAnnotation), write(ViaApproverDecision)
	entry := func(source, record string) *v1.ApproverStatus {
		return &v1.ApproverStatus{Name: "alice", Decision: v1.DecisionApprove, DecidedBy: "alice", Comment: "ok", Source: source, Record: record}
	}
	annotated := func(decision, comment, record string) *v1.ApprovalRequest {
		r := req.DeepCopy()
		r.Annotations = map[string]string{"approvals.tollgate.dev/alice": decision, "approvals.tollgate.dev/alice.comment": comment, "approvals.tollgate.dev/alice.record": record}
		return r
	}
	decision := &v1.ApproverDecision{
		ObjectMeta: metav1.ObjectMeta{Name: "alice-ok", Annotations: map[string]string{v1.RecordAnnotation: byObject},
			OwnerReferences: []metav1.OwnerReference{{UID: req.UID}}},
		Spec: v1.ApproverDecisionSpec{ApprovalRequestName: req.Name, Approver: "alice", Decision: v1.DecisionApprove, Comment: "ok"},
	}
	foreign := decision.DeepCopy()
	foreign.OwnerReferences[0].UID = "uid-2"
	lookup := func(d *v1.ApproverDecision) func(string) *v1.ApproverDecision {
		return func(name string) *v1.ApproverDecision {
			if d != nil && d.Name == name {
				return d
			}
			return nil
		}
	}
	cases := []struct {
		name  string
		obj   *v1.ApprovalRequest
		entry *v1.ApproverStatus
		found *v1.ApproverDecision
		want  string // "" backed
	}{
		{"by its annotations", annotated("Approve", "ok", byAnnotation), entry("annotation", byAnnotation), nil, ""},
		{"annotations that hold another comment", annotated("approve", "ok!", byAnnotation), entry("annotation", byAnnotation), nil, "do not hold it"},
		{"no annotation at all (an entry written by hand)", req, entry("annotation", byAnnotation), nil, "do not hold it"},
		{"by its ApproverDecision", req, entry("ApproverDecision/alice-ok", byObject), decision, ""},
		{"an ApproverDecision that is gone", req, entry("ApproverDecision/alice-ok", byObject), nil, "is gone"},
		{"an ApproverDecision of another request", req, entry("ApproverDecision/alice-ok", byObject), foreign, "belongs to another request"},
		{"a source that is neither", req, entry("console", byAnnotation), nil, "neither an annotation nor an ApproverDecision"},
		{"a record that does not bind the entry", annotated("approve", "ok", byAnnotation), &v1.ApproverStatus{Name: "alice", Decision: v1.DecisionReject, DecidedBy: "alice", Comment: "ok", Source: "annotation", Record: byAnnotation}, nil, "records Approve, not Reject"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Backed(c.obj, c.entry, lookup(c.found))
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("not backed: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("Backed = %v, want an error containing %q", err, c.want)
			}
		})
	}
}
