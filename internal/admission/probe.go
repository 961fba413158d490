package admission

import (
	"context"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// probeName names the objects the probe tries to write (never stored: dry-runs).
const probeName = "tollgate-admission-probe"

// Probe tries tollgate's admission with forged writes, as the operator, as server-side dry-runs
// (nothing is stored): a request created with a decision already on it, and a decision for a
// request that does not exist. Each must be refused with tollgate's own words: a configuration
// can look right and still not work (a webhook that answers for tollgate but is not tollgate's).
type Probe struct {
	// Client writes as the operator; Namespace is where the dry-runs go (the operator's).
	Client    client.Client
	Namespace string
}

// Try runs the probe's writes and says why admission is not in force ("" when it is).
func (p *Probe) Try(ctx context.Context) string {
	req := &v1.ApprovalRequest{
		ObjectMeta: metav1.ObjectMeta{Namespace: p.Namespace, Name: probeName, Annotations: map[string]string{v1.DecisionAnnotationPrefix + "probe": "approve"}},
		Spec:       v1.ApprovalRequestSpec{Description: "tollgate's admission probe (a dry-run)", Approvers: []v1.Approver{{Name: "probe", Users: []string{"nobody"}}}},
	}
	if why := refused(p.Client.Create(ctx, req, client.DryRunAll), "a decision cannot be set when the request is created"); why != "" {
		return "a request created with a decision on it " + why
	}
	d := &v1.ApproverDecision{
		ObjectMeta: metav1.ObjectMeta{Namespace: p.Namespace, Name: probeName},
		Spec:       v1.ApproverDecisionSpec{ApprovalRequestName: probeName + "-missing", Approver: "probe", Decision: v1.DecisionApprove},
	}
	if why := refused(p.Client.Create(ctx, d, client.DryRunAll), "does not exist"); why != "" {
		return "a decision for a request that does not exist " + why
	}
	return ""
}

// refused says how err is not tollgate's refusal, which says want ("" when it is).
func refused(err error, want string) string {
	switch {
	case err == nil:
		return "was admitted"
	case !strings.Contains(err.Error(), want):
		return fmt.Sprintf("was not refused as tollgate refuses it (%v)", err)
	}
	return ""
}
