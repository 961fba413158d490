package v1alpha1

import (
	"context"
	"errors"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/identity"
)

// listing answers List with its decisions, or with its error.
type listing struct {
	client.Reader
	items []v1.ApproverDecision
	err   error
}

func (l listing) List(_ context.Context, list client.ObjectList, _ ...client.ListOption) error {
	if l.err != nil {
		return l.err
	}
	list.(*v1.ApproverDecisionList).Items = l.items
	return nil
}

func TestDecisionDecidersReadsTheCacheAndTheAPIServerBeforeItStarts(t *testing.T) {
	h, _ := testAdmission(t)
	req := &v1.ApprovalRequest{ObjectMeta: metav1.ObjectMeta{Name: "deploy", Namespace: "team-a", UID: "uid-1"},
		Spec: v1.ApprovalRequestSpec{Approvers: []v1.Approver{{Name: "alice", Users: []string{"alice"}}, {Name: "bob", Users: []string{"bob"}}}}}
	rec, err := identity.WriteDecision(identity.NewDecision(req, "alice", v1.DecisionApprove, "", identity.ViaApproverDecision, identity.User{Username: "alice"}, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	alices := []v1.ApproverDecision{{
		ObjectMeta: metav1.ObjectMeta{Name: "alice-approves", Namespace: "team-a", Annotations: map[string]string{v1.RecordAnnotation: rec}},
		Spec:       v1.ApproverDecisionSpec{ApprovalRequestName: "deploy", Approver: "alice", Decision: v1.DecisionApprove},
	}}
	broken := errors.New("the cache is broken")
	for _, c := range []struct {
		name              string
		decisions, reader listing
		want              map[string]string
		wantErr           error
	}{
		{"from the cache", listing{items: alices}, listing{err: errors.New("the API server must not be asked")}, map[string]string{"alice": "alice"}, nil},
		{"before the cache started: from the API server", listing{err: &cache.ErrCacheNotStarted{}}, listing{items: alices}, map[string]string{"alice": "alice"}, nil},
		{"another error of the cache is returned", listing{err: broken}, listing{items: alices}, map[string]string{}, broken},
	} {
		o := h.Options
		o.Decisions, o.Reader = c.decisions, c.reader
		decided := map[string]string{}
		err := decisionDeciders(context.Background(), o, req, decided)
		if !errors.Is(err, c.wantErr) || len(decided) != len(c.want) || decided["alice"] != c.want["alice"] {
			t.Errorf("%s: decided %v, error %v; want %v, error %v", c.name, decided, err, c.want, c.wantErr)
		}
	}
}
