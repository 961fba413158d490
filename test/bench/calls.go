package main

import (
	"fmt"
	"strings"
)

// calls is what Step Functions was asked, judged against what an approved request needs.
type calls struct {
	// ByOperation counts every call of the run.
	ByOperation map[string]int `json:"by_operation"`
	// Approved requests (each decided by all three approvers one at a time) and what each cost:
	// the most any one of them cost, per operation.
	Approved       int     `json:"approved_requests"`
	MaxStarts      int     `json:"max_start_execution_per_approved"`
	MaxSends       int     `json:"max_sendtask_per_approved"`
	MaxDescribes   int     `json:"max_describe_execution_per_approved"`
	MinSends       int     `json:"min_sendtask_per_approved"`
	GetActivityPer float64 `json:"get_activity_task_per_request"`
	// Heartbeats per token and hour held, and what that rate is at 100,000 pending tokens as a
	// share of the SendTask refill (500 per second).
	HeartbeatsPerTokenHour float64  `json:"heartbeats_per_token_hour"`
	HeartbeatQuotaShare    float64  `json:"heartbeat_share_of_sendtask_at_100k_tokens"`
	DuplicateStarts        []string `json:"duplicate_start_execution"`
	DuplicateSends         []string `json:"duplicate_sendtask"`
}

// The targets calls are held to.
const (
	sendTaskRefill    = 500.0 // SendTask* per second, AWS's refill in the large regions
	heartbeatQuotaMax = 0.20  // heartbeats under 20 % of it…
	heartbeatAtTokens = 100_000.0
)

func (h *harness) countCalls(approvedNames []string, created int) calls {
	c := calls{ByOperation: h.probe.counts(), Approved: len(approvedNames), MinSends: -1}
	for _, name := range approvedNames {
		r := h.watch.get(name)
		tokens := make([]string, 0, len(r.Status.Approvers))
		for _, a := range r.Status.Approvers {
			tokens = append(tokens, a.TaskToken)
		}
		arn := r.Status.ExecutionARN
		pr := h.probe.forRequest(arn[strings.LastIndexByte(arn, ':')+1:], arn, tokens) // the name ends the ARN
		c.MaxStarts, c.MaxSends, c.MaxDescribes = max(c.MaxStarts, pr.starts), max(c.MaxSends, pr.sends), max(c.MaxDescribes, pr.reads)
		if c.MinSends < 0 || pr.sends < c.MinSends {
			c.MinSends = pr.sends
		}
	}
	c.GetActivityPer = float64(c.ByOperation["GetActivityTask"]) / float64(max(created, 1))
	if hours := h.watch.tokenHours(h.probe.sentAt); hours > 0 {
		c.HeartbeatsPerTokenHour = float64(h.probe.heartbeats()) / hours
	}
	c.HeartbeatQuotaShare = heartbeatAtTokens * c.HeartbeatsPerTokenHour / 3600 / sendTaskRefill
	c.DuplicateStarts, c.DuplicateSends = h.probe.duplicates()
	return c
}

// check is one asserted property of the run.
type check struct {
	What string `json:"what"`
	OK   bool   `json:"ok"`
	Got  string `json:"got"`
}

// checks are the calls' assertions: per approved request of M approvers, 1 StartExecution,
// exactly M SendTask*, at most 1 DescribeExecution; no duplicates; heartbeats within budget.
func (c calls) checks(approvers int) []check {
	quota := fmt.Sprintf("%.1f per token-hour: %.0f %%", c.HeartbeatsPerTokenHour, 100*c.HeartbeatQuotaShare)
	return []check{
		{"every approved request started exactly once", c.Approved > 0 && c.MaxStarts == 1,
			fmt.Sprintf("at most %d StartExecution per request (%d requests)", c.MaxStarts, c.Approved)},
		{fmt.Sprintf("every approved request: exactly %d SendTask*", approvers), c.MinSends == approvers && c.MaxSends == approvers,
			fmt.Sprintf("%d to %d", c.MinSends, c.MaxSends)},
		{"every approved request: at most 1 DescribeExecution", c.MaxDescribes <= 1, fmt.Sprintf("at most %d", c.MaxDescribes)},
		{fmt.Sprintf("GetActivityTask per request at most %d (a task per approver and the outcome)", approvers+1),
			c.GetActivityPer <= float64(approvers+1), fmt.Sprintf("%.2f", c.GetActivityPer)},
		{"no execution name started twice", len(c.DuplicateStarts) == 0, fmt.Sprint(c.DuplicateStarts)},
		{"no task token answered twice", len(c.DuplicateSends) == 0, fmt.Sprint(c.DuplicateSends)},
		{"heartbeats under 20 % of the SendTask refill at 100,000 tokens", c.HeartbeatQuotaShare < heartbeatQuotaMax, quota},
	}
}
