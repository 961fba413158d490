package plugin

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

func TestWaitFollowsTheRequestItStartedOn(t *testing.T) {
	started := &v1.ApprovalRequest{ObjectMeta: metav1.ObjectMeta{Name: "deploy", UID: "uid-1"}}
	same := started.DeepCopy()
	same.Status.Phase = v1.PhaseApproved
	if err := sameRequest(started, same); err != nil {
		t.Fatalf("the same request, approved: %v", err)
	}
	namesake := &v1.ApprovalRequest{ObjectMeta: metav1.ObjectMeta{Name: "deploy", UID: "uid-2"}}
	namesake.Status.Phase = v1.PhaseApproved
	err := sameRequest(started, namesake)
	if err == nil || !strings.Contains(err.Error(), "it was replaced: the request wait started on (uid uid-1) was deleted and another of the same name (uid uid-2) created") {
		t.Fatalf("an approved namesake: %v", err)
	}
}
