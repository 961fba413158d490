package sfnlocal

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/tollgate-dev/tollgate/internal/approvalmachine"
)

// The shipped approval machine, deployed with a topic, runs end to end with a
// file sink: each approver slot's NotifyApprover publishes the e-mail the
// ASL builds (its subject, text and attributes, as TaskScheduled shows
// them), then the slot's activity task is scheduled.
func TestSNSPublish_ShippedApprovalMachine_OneMessagePerSlot(t *testing.T) {
	sink := fileSink(t)
	e := newEnv(t, Options{SNSSink: sink})
	act := e.activity("tollgate-approval")
	path, err := approvalmachine.RepoFile(approvalmachine.ShippedPath)
	if err != nil {
		t.Fatal(err)
	}
	def, err := approvalmachine.Load(path, map[string]string{approvalmachine.ActivityArnPlaceholder: act, approvalmachine.TopicArnPlaceholder: testTopic})
	if err != nil {
		t.Fatal(err)
	}
	expires := t0.Add(24 * time.Hour).Format(time.RFC3339)
	exec := e.start(e.machine("tollgate-approval", string(def)), "run", jsonText(t, map[string]any{
		"tollgate": map[string]any{"version": "v1alpha1", "cluster": "test", "namespace": "team-a", "name": "deploy-prod", "uid": "6f1c",
			"requiredApprovals": 1, "approverCount": 2, "expiresAt": expires, "heartbeatSeconds": 300},
		"description": "Deploy v1.2.3 to prod",
		"approvers":   []map[string]string{{"name": "alice", "email": "alice@example.com"}, {"name": "bob"}},
		"payload":     map[string]any{"image": "v1.2.3"},
	}))

	tokens := map[string]string{}
	for range 2 {
		token, input := e.poll(act)
		var task struct{ Approver string }
		mustUnmarshal(t, input, &task)
		tokens[task.Approver] = token
	}
	sent := notifications(t, sink.Path)
	if len(sent) != 2 {
		t.Fatalf("sink has %d messages, want 2", len(sent))
	}
	events := e.history(exec)
	built := publishedParameters(t, events)
	for _, n := range sent {
		who := n.MessageAttributes["approver"].Value
		p, ok := built[who]
		attrs := map[string]SNSAttribute{}
		for name, a := range p.MessageAttributes {
			attrs[name] = SNSAttribute{Type: a.DataType, Value: a.StringValue}
		}
		if !ok || tokens[who] == "" || n.TopicArn != testTopic || n.Subject != p.Subject || n.Message != p.Message ||
			jsonText(t, n.MessageAttributes) != jsonText(t, attrs) ||
			n.Subject != "tollgate: approval requested for team-a/deploy-prod" || !strings.Contains(n.Message, who) {
			t.Errorf("notification = %+v, want what the ASL built: %+v", n, p)
		}
	}
	publishedBeforeAsked(t, events)

	if err := e.succeed(tokens["alice"], `{"quorum":"reached"}`); err != nil {
		t.Fatal(err)
	}
	report, _ := e.poll(act)
	if err := e.succeed(report, `{}`); err != nil {
		t.Fatal(err)
	}
	e.wantStatus(exec, types.ExecutionStatusSucceeded)
}

// publication is the parameters of an sns:publish as TaskScheduled shows them.
type publication struct {
	Subject, Message  string
	MessageAttributes map[string]struct{ DataType, StringValue string }
}

// publishedParameters reads the publishes the machine built, by approver slot.
func publishedParameters(t *testing.T, events []types.HistoryEvent) map[string]publication {
	t.Helper()
	out := map[string]publication{}
	for _, ev := range events {
		if ev.Type == types.HistoryEventTypeTaskScheduled {
			var p publication
			mustUnmarshal(t, aws.ToString(ev.TaskScheduledEventDetails.Parameters), &p)
			out[p.MessageAttributes["approver"].StringValue] = p
		}
	}
	return out
}

// publishedBeforeAsked checks, for each slot's ActivityScheduled, that the
// events leading to it (previousEventId) hold that slot's publish, succeeded.
func publishedBeforeAsked(t *testing.T, events []types.HistoryEvent) {
	t.Helper()
	byID := map[int64]types.HistoryEvent{}
	for _, ev := range events {
		byID[ev.Id] = ev
	}
	asked := 0
	for _, ev := range events {
		if ev.Type != types.HistoryEventTypeActivityScheduled {
			continue
		}
		var input struct{ Task, Approver string }
		mustUnmarshal(t, aws.ToString(ev.ActivityScheduledEventDetails.Input), &input)
		if input.Task != "approval" {
			continue
		}
		asked++
		succeeded := false
		for prev := byID[ev.PreviousEventId]; ; prev = byID[prev.PreviousEventId] {
			if prev.Type == types.HistoryEventTypeTaskSucceeded {
				succeeded = true
			}
			if prev.Type == types.HistoryEventTypeTaskScheduled {
				var params publication
				mustUnmarshal(t, aws.ToString(prev.TaskScheduledEventDetails.Parameters), &params)
				if who := params.MessageAttributes["approver"].StringValue; who != input.Approver || !succeeded {
					t.Errorf("%s's task follows the publish to %s (succeeded: %v)", input.Approver, who, succeeded)
				}
				break
			}
			if prev.Id == 0 || prev.Type == types.HistoryEventTypeMapIterationStarted {
				t.Fatalf("%s's task has no publish before it", input.Approver)
			}
		}
	}
	if asked != 2 {
		t.Fatalf("%d approval tasks scheduled, want 2", asked)
	}
}
