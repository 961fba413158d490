package soak

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// verdicts counts what went wrong, judged from the executions' histories.
type verdicts struct {
	lost, duplicated, mismatched int
	heartbeatTimeouts            int
}

// judge compares every request with its plan and with its execution as Step Functions
// recorded it:
//   - lost: a request that never concluded, or a planned decision that is neither in the ledger
//     nor made moot by the outcome;
//   - duplicated: a slot answered twice in the history (two ActivitySucceeded/ActivityFailed);
//   - mismatched: a phase or an execution that is not the plan's, or an approval taken after
//     the rejection that ended the request.
func judge(ctx context.Context, t *testing.T, api *sfn.Client, plans []plan, results map[string]*v1.ApprovalRequest) verdicts {
	var v verdicts
	for _, p := range plans {
		req, ok := results[p.name]
		if !ok {
			t.Errorf("%s: lost (never concluded)", p.name)
			v.lost++
			continue
		}
		if req.Status.Phase != p.phase {
			t.Errorf("%s: phase %s, planned %s (%v)", p.name, req.Status.Phase, p.phase, req.Status.Conditions)
			v.mismatched++
		}
		for _, s := range req.Status.Approvers {
			if want, planned := p.decisions[s.Name]; planned && s.Decision != want && s.Decision != v1.DecisionNotRequired {
				t.Errorf("%s: slot %s recorded %s, planned %s", p.name, s.Name, s.Decision, want)
				v.mismatched++
			}
			if _, planned := p.decisions[s.Name]; planned && s.Decision == "" {
				t.Errorf("%s: slot %s's decision was lost", p.name, s.Name)
				v.lost++
			}
		}
		out, err := api.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(req.Status.ExecutionARN)})
		if err != nil {
			t.Errorf("%s: %v", p.name, err)
			v.lost++
			continue
		}
		if out.Status != p.exec {
			t.Errorf("%s: execution %s, planned %s (%s)", p.name, out.Status, p.exec, aws.ToString(out.Error))
			v.mismatched++
		}
		h := history(ctx, t, api, req.Status.ExecutionARN)
		v.heartbeatTimeouts += h.timeouts
		for slot, n := range h.answers {
			if n > 1 {
				t.Errorf("%s: slot %s answered %d times in the history", p.name, slot, n)
				v.duplicated++
			}
		}
		if h.approvalAfterRejection {
			t.Errorf("%s: an approval was taken after the rejection that ended it", p.name)
			v.mismatched++
		}
	}
	return v
}

// executionHistory is what the judge reads from one history.
type executionHistory struct {
	answers                map[string]int // approval slot → ActivitySucceeded/ActivityFailed events
	timeouts               int            // ActivityTimedOut: a token nobody kept alive, re-issued
	approvalAfterRejection bool
}

func history(ctx context.Context, t *testing.T, api *sfn.Client, arn string) executionHistory {
	events := map[int64]sfntypes.HistoryEvent{}
	var order []int64
	p := sfn.NewGetExecutionHistoryPaginator(api, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("history of %s: %v", arn, err)
		}
		for _, e := range page.Events {
			events[e.Id] = e
			order = append(order, e.Id)
		}
	}
	// scheduled follows an event's chain back to the ActivityScheduled of its task.
	scheduled := func(e sfntypes.HistoryEvent) (task, approver string) {
		for e.Type != sfntypes.HistoryEventTypeActivityScheduled {
			prev, ok := events[e.PreviousEventId]
			if !ok {
				return "", ""
			}
			e = prev
		}
		var in struct {
			Task     string `json:"task"`
			Approver string `json:"approver"`
		}
		if e.ActivityScheduledEventDetails != nil {
			_ = json.Unmarshal([]byte(aws.ToString(e.ActivityScheduledEventDetails.Input)), &in) // not JSON: not tollgate's task
		}
		return in.Task, in.Approver
	}
	h := executionHistory{answers: map[string]int{}}
	rejected := false
	for _, id := range order {
		e := events[id]
		switch e.Type {
		case sfntypes.HistoryEventTypeActivityTimedOut:
			h.timeouts++
		case sfntypes.HistoryEventTypeActivitySucceeded, sfntypes.HistoryEventTypeActivityFailed:
			task, approver := scheduled(e)
			if task != "approval" {
				continue
			}
			h.answers[approver]++
			failed := e.Type == sfntypes.HistoryEventTypeActivityFailed
			// A rejection that made the quorum unreachable ended the gate; one that left it open
			// (N of M) did not, and approvals may follow it.
			if failed && e.ActivityFailedEventDetails != nil && strings.Contains(aws.ToString(e.ActivityFailedEventDetails.Cause), `"quorum":"unreachable"`) {
				rejected = true
			}
			if !failed && rejected {
				h.approvalAfterRejection = true
			}
		}
	}
	return h
}
