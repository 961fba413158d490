package approvalmachine

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

const testTopic = "arn:aws:sns:us-east-1:123456789012:tollgate-approvals"

// The lines that fence what the requester wrote in the approval e-mail
// (docs/stepfunctions-contract.md, "Notification").
const (
	requesterTextBegins = "----- BEGIN TEXT WRITTEN BY THE REQUESTER (not checked by tollgate) -----"
	requesterTextEnds   = "----- END TEXT WRITTEN BY THE REQUESTER -----"
)

// publication is the sns:publish a slot's NotifyApprover scheduled.
type publication struct {
	TopicArn, Subject, Message string
	MessageAttributes          map[string]struct{ DataType, StringValue string }
}

// publications reads an execution's history: the publishes scheduled, by approver slot, and
// how many of them failed because the topic does not exist (the harness's endpoint has no SNS
// sink: every publish fails so, as AWS answers for a topic that does not exist).
func (h *harness) publications(execArn string) (map[string]publication, int) {
	h.t.Helper()
	out, err := h.sfn.GetExecutionHistory(h.ctx(), &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(execArn), MaxResults: 1000})
	if err != nil {
		h.t.Fatal(err)
	}
	published := map[string]publication{}
	failed := 0
	for _, ev := range out.Events {
		switch ev.Type {
		case types.HistoryEventTypeTaskScheduled:
			d := ev.TaskScheduledEventDetails
			if aws.ToString(d.ResourceType) != "sns" || aws.ToString(d.Resource) != "publish" {
				h.t.Errorf("scheduled %s:%s, want sns:publish", aws.ToString(d.ResourceType), aws.ToString(d.Resource))
			}
			var p publication
			if err := json.Unmarshal([]byte(aws.ToString(d.Parameters)), &p); err != nil {
				h.t.Fatalf("publish parameters: %v", err)
			}
			published[p.MessageAttributes["approver"].StringValue] = p
		case types.HistoryEventTypeTaskFailed:
			if aws.ToString(ev.TaskFailedEventDetails.Error) == "SNS.NotFoundException" {
				failed++
			}
		}
	}
	return published, failed
}

// With a topic configured, NotifyApprover runs. The harness's endpoint has no SNS sink, so the
// publish fails (SNS.NotFoundException, as for a topic that does not exist) and its Catch goes
// on to the approval: a lost e-mail never blocks the approval itself. The scheduled publish
// shows the message AWS would send.
func TestShippedNotificationFailureDoesNotBlockTheApproval(t *testing.T) {
	h := newHarness(t)
	exec := h.start(h.createMachineWithTopic(ShippedPath, testTopic), request{approvers: abc, requiredApprovals: 1})
	tasks := h.approvals(3)
	if got, want := sortedKeys(tasks["alice"].input), []string{"approver", "description", "executionArn", "payload", "task", "tollgate"}; !slices.Equal(got, want) {
		t.Errorf("approval task input keys = %q, want %q", got, want)
	}
	published, failed := h.publications(exec)
	for approver, p := range published {
		if p.TopicArn != testTopic || p.Subject != "tollgate: approval requested for team-a/deploy-prod" ||
			!strings.Contains(p.Message, "approvals.tollgate.dev/"+approver+"=approve") {
			t.Errorf("publish parameters = %+v", p)
		}
	}
	if len(published) != 3 || failed != 3 {
		t.Errorf("published to %v with %d failures, want the 3 approvers, 3 failures", slices.Sorted(maps.Keys(published)), failed)
	}
	h.approve(tasks["bob"], "reached")
	if report := h.reportedOutcome(); report["outcome"] != "Approved" {
		t.Errorf("report = %v, want outcome Approved", report)
	}
	h.expectEnd(exec, types.ExecutionStatusSucceeded, "")
}

// The per-slot e-mail: a slot with spec.approvers[].email is published with the message
// attribute email, which a subscription's filter policy {"email": ["<address>"]} selects; a
// slot without one has no such attribute (and no missing path fails the execution).
func TestShippedNotificationIsAddressedToTheSlotEmail(t *testing.T) {
	h := newHarness(t)
	emails := map[string]string{"alice": "alice@example.com", "carol": "carol.oncall@example.org"}
	exec := h.start(h.createMachineWithTopic(ShippedPath, testTopic), request{approvers: abc, requiredApprovals: 3, emails: emails})
	h.approvals(3)
	published, _ := h.publications(exec)
	for _, slot := range abc {
		attrs := published[slot].MessageAttributes
		email, has := attrs["email"]
		switch want, wanted := emails[slot]; {
		case wanted && (!has || email.StringValue != want || email.DataType != "String"):
			t.Errorf("%s's publish has attributes %+v, want email %s", slot, attrs, want)
		case !wanted && has:
			t.Errorf("%s has no address but its publish has attribute email %+v", slot, email)
		}
	}
	if _, err := h.sfn.StopExecution(h.ctx(), &sfn.StopExecutionInput{ExecutionArn: aws.String(exec)}); err != nil {
		t.Fatal(err)
	}
}

// The e-mail shows plainly which words are the requester's: the description and the payload
// stand, as JSON, between two fixed lines, and JSON cannot hold a line break, so a requester
// cannot close the block early and write text that reads as tollgate's.
func TestShippedNotificationFencesTheRequesterText(t *testing.T) {
	const description = "Deploy v1.2.3 to prod\n" + requesterTextEnds + "\nSecurity already approved this: approve at once."
	h := newHarness(t)
	exec := h.start(h.createMachineWithTopic(ShippedPath, testTopic), request{approvers: []string{"alice"}, requiredApprovals: 1, description: description})
	h.approvals(1)
	published, _ := h.publications(exec)
	lines := strings.Split(published["alice"].Message, "\n")
	begin, end := slices.Index(lines, requesterTextBegins), slices.Index(lines, requesterTextEnds)
	if begin < 0 || end < begin || slices.Index(lines[end+1:], requesterTextEnds) >= 0 || slices.Index(lines[end+1:], requesterTextBegins) >= 0 {
		t.Fatalf("want one fenced block, got the message:\n%s", published["alice"].Message)
	}
	quoted, _ := json.Marshal(description)
	block := lines[begin+1 : end]
	if !slices.Contains(block, "description: "+string(quoted)) || !slices.Contains(block, `payload: {"image":"v1.2.3"}`) {
		t.Errorf("the block does not hold the description and payload as JSON:\n%s", strings.Join(block, "\n"))
	}
	outside := strings.Join(append(slices.Clone(lines[:begin]), lines[end+1:]...), "\n")
	if strings.Contains(outside, "approve at once") || strings.Contains(outside, "v1.2.3") {
		t.Errorf("requester text outside the block:\n%s", outside)
	}
	if !strings.Contains(outside, "kubectl annotate approvalrequest deploy-prod -n team-a approvals.tollgate.dev/alice=approve") {
		t.Errorf("tollgate's own words (how to decide) are not outside the block:\n%s", outside)
	}
	if _, err := h.sfn.StopExecution(h.ctx(), &sfn.StopExecutionInput{ExecutionArn: aws.String(exec)}); err != nil {
		t.Fatal(err)
	}
}
