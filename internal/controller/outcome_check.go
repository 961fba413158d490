package controller

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
	"github.com/tollgate-dev/tollgate/internal/identity"
)

// confirmOutcome confirms an outcome report against the request's own execution, where the
// verified ledger cannot: an Approved or Rejected the verified decisions reach, or an Expired
// past the request's deadline, stands on the ledger alone (whoever reports it, it is true).
// Any other end must be in the execution's own history — an outcome task scheduled there with
// the same outcome, error and cause — or the report is refused as foreign. The history is read
// newest first: the report is among the last events.
func (t *TaskRouter) confirmOutcome(ctx context.Context, obj *v1.ApprovalRequest, in *approval.TaskInput, phase v1.Phase) error {
	claim := obj.DeepCopy()
	claim.Status.Phase = phase
	if identity.SupportsEnd(claim, t.Clock.Now()) == nil {
		return nil
	}
	own := approval.OwnExecution(obj, t.DefaultStateMachineARN)
	p := sfn.NewGetExecutionHistoryPaginator(t.API, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(own), ReverseOrder: true, MaxResults: 1000})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("reading the history of %s to confirm its outcome %s: %w", own, phase, err)
		}
		for _, e := range page.Events {
			if e.Type == sfntypes.HistoryEventTypeActivityScheduled && e.ActivityScheduledEventDetails != nil && sameReport(aws.ToString(e.ActivityScheduledEventDetails.Input), in) {
				return nil
			}
		}
	}
	return foreignExecution{obj.DeepCopy(), fmt.Sprintf("an outcome report %s (%s) naming the request's own execution %s was not reported by its execution (its history has no such report): it was answered %s and changed nothing", phase, in.Error, own, approval.ErrorForeignExecution)}
}

// sameReport reports whether a scheduled task's input is the outcome report in.
func sameReport(input string, in *approval.TaskInput) bool {
	got, err := approval.ParseTaskInput([]byte(input))
	return err == nil && got.Task == approval.TaskOutcome && got.Outcome == in.Outcome && got.Error == in.Error && got.Cause == in.Cause
}
