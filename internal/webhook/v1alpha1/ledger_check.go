package v1alpha1

import (
	"errors"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/util/validation/field"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
	"github.com/tollgate-dev/tollgate/internal/identity"
	"github.com/tollgate-dev/tollgate/internal/tokenseal"
)

// endConditions are the conditions that announce an end, with the phase each needs.
var endConditions = []struct {
	condition string
	phase     v1.Phase
}{
	{v1.ConditionApproved, v1.PhaseApproved},
	{v1.ConditionReady, v1.PhaseApproved},
	{v1.ConditionRejected, v1.PhaseRejected},
}

// ledgerErrors refuses a status write that the verified ledger does not support, so that no
// reader — kubectl wait, Argo CD, Flux, the plugin — ever sees it:
//   - a decision (Approve, Reject) added or changed that its source does not back: the
//     request's own decision annotations, or the ApproverDecision it came from, must hold the
//     same verdict, comment and record (identity.Backed) — records are not signed, so someone
//     who can write status cannot invent one;
//   - a slot closed (NotRequired) while the request has not ended;
//   - a ledger entry removed, or a slot's task token (entries and tokens are only ever added,
//     and a token replaced by the one Step Functions issues next);
//   - a task token written in the clear: the operator seals every token it records
//     (tokenseal), so that no reader of the request can spend it;
//   - an end the verified ledger does not support (approval.SupportsEnd): Approved short of the
//     quorum, Rejected while it is reachable, Expired before its time;
//   - an end the ledger supports, replaced (a decided request's phase is final);
//   - Approved, Ready or Rejected True beside another phase.
//
// Entries the write leaves as they were are not checked again: a bad entry written past the
// webhooks must not stop every later write of the operator.
func ledgerErrors(old, obj *v1.ApprovalRequest, now time.Time, decision func(name string) *v1.ApproverDecision) field.ErrorList {
	var errs field.ErrorList
	for i := range obj.Status.Approvers {
		e := &obj.Status.Approvers[i]
		before := approval.Entry(old, e.Name)
		path := statusPath.Child("approvers").Key(e.Name).Child("decision")
		switch e.Decision {
		case v1.DecisionApprove, v1.DecisionReject:
			if before != nil && before.Decision == e.Decision && before.Record == e.Record && before.Comment == e.Comment && before.DecidedBy == e.DecidedBy {
				continue
			}
			if err := identity.Backed(obj, e, decision); err != nil {
				errs = append(errs, field.Forbidden(path, fmt.Sprintf("the decision of slot %s is not on record (%v): the ledger takes only decisions tollgate's admission recorded", e.Name, err)))
			}
		case v1.DecisionNotRequired:
			if (before == nil || before.Decision != v1.DecisionNotRequired) && !approval.Ended(obj.Status.Phase) {
				errs = append(errs, field.Forbidden(path, fmt.Sprintf("slot %s is closed (NotRequired) only when its request ends", e.Name)))
			}
		}
	}
	for i := range old.Status.Approvers {
		was := &old.Status.Approvers[i]
		path := statusPath.Child("approvers").Key(was.Name)
		switch is := approval.Entry(obj, was.Name); {
		case is == nil:
			errs = append(errs, field.Forbidden(path, fmt.Sprintf("the ledger entry of slot %s is never removed", was.Name)))
		case was.TaskToken != "" && is.TaskToken == "":
			errs = append(errs, field.Forbidden(path.Child("taskToken"), fmt.Sprintf("the task token of slot %s is replaced only by the next one Step Functions issues, never removed", was.Name)))
		}
	}
	for i := range obj.Status.Approvers {
		e := &obj.Status.Approvers[i]
		if before := approval.Entry(old, e.Name); e.TaskToken != "" && (before == nil || before.TaskToken != e.TaskToken) && !tokenseal.Sealed(e.TaskToken) {
			errs = append(errs, field.Forbidden(statusPath.Child("approvers").Key(e.Name).Child("taskToken"), fmt.Sprintf("the task token of slot %s is written in the clear: status holds only sealed tokens, which no reader of the request can spend", e.Name)))
		}
	}
	errs = append(errs, phaseErrors(old, obj, now)...)
	for _, c := range endConditions {
		if meta.IsStatusConditionTrue(obj.Status.Conditions, c.condition) && obj.Status.Phase != c.phase {
			errs = append(errs, field.Forbidden(statusPath.Child("conditions"), fmt.Sprintf("%s=True says the request is %s, and its phase is %q", c.condition, c.phase, obj.Status.Phase)))
		}
	}
	return errs
}

// phaseErrors checks a change of phase against the verified ledger (Signer.SupportsEnd).
func phaseErrors(old, obj *v1.ApprovalRequest, now time.Time) field.ErrorList {
	was, is := old.Status.Phase, obj.Status.Phase
	if was == is {
		return nil
	}
	path := statusPath.Child("phase")
	var errs field.ErrorList
	if approval.Ended(was) && identity.SupportsEnd(old, now) == nil {
		errs = append(errs, field.Forbidden(path, fmt.Sprintf("the request ended %s, which its verified ledger supports: a decided request's phase is final", was)))
	}
	if err := identity.SupportsEnd(obj, now); approval.Ended(is) && err != nil && !errors.Is(err, approval.ErrExecutionDecides) {
		errs = append(errs, field.Forbidden(path, fmt.Sprintf("%v: an end the verified ledger does not support is never written", err)))
	}
	return errs
}
