package approvalmachine

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/approval"
)

// A small machine in the shipped machine's style; each case below breaks it once.
const checkerBase = `{"StartAt":"Gate","States":{
 "Gate":{"Type":"Parallel","Branches":[{"StartAt":"Ask","States":{
   "Ask":{"Type":"Task","Resource":"${ApprovalActivityArn}","Parameters":{"executionArn.$":"$$.Execution.Id"},
     "TimeoutSeconds":3600,"HeartbeatSeconds":300,"Catch":[{"ErrorEquals":["tollgate.Rejected"],"Next":"No"}],"End":true},
   "No":{"Type":"Fail","Error":"tollgate.Rejected"}}}],
  "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Denied"}],"Next":"Done"},
 "Done":{"Type":"Succeed"},
 "Denied":{"Type":"Fail","Error":"tollgate.Rejected"}}}`

func TestCheckerFindsEachDefect(t *testing.T) {
	cases := []struct {
		name, old, new, want string
	}{
		{"StartAt names no state", `"StartAt":"Gate"`, `"StartAt":"Gat"`, `StartAt "Gat"`},
		{"Catch leaves its branch", `"Next":"No"}`, `"Next":"Done"}`, `goes to "Done", not a state of this scope`},
		{"unreachable state", `"Done":{`, `"Extra":{"Type":"Succeed"},"Done":{`, `"Extra" is unreachable`},
		{"Task with neither Next nor End", `,"End":true}`, `}`, "needs exactly one of Next and End"},
		{"Task with both Next and End", `"End":true},`, `"End":true,"Next":"No"},`, "needs exactly one of Next and End"},
		{"Fail with Next", `"Denied":{"Type":"Fail",`, `"Denied":{"Type":"Fail","Next":"Done",`, "a Fail state has no Next or End"},
		{"Succeed with End", `"Done":{"Type":"Succeed"}`, `"Done":{"Type":"Succeed","End":true}`, "a Succeed state has no Next or End"},
		{"Choice with End", `"Done":{"Type":"Succeed"}`,
			`"Done":{"Type":"Choice","Choices":[{"Variable":"$.x","StringEquals":"a","Next":"Denied"}],"Default":"Denied","End":true}`,
			"a Choice has Choices and no Next or End"},
		{"unknown Task resource", `${ApprovalActivityArn}`, `arn:aws:lambda:us-east-1:123456789012:function:f`, "Task resource"},
		{"misspelt contract error", `["tollgate.Rejected"]`, `["tollgate.Reject"]`, `ErrorEquals "tollgate.Reject"`},
		{"Fail with a non-contract error", `"Denied":{"Type":"Fail","Error":"tollgate.Rejected"}`,
			`"Denied":{"Type":"Fail","Error":"tollgate.Denied"}`, `Fail error "tollgate.Denied"`},
		{"state name used in two scopes", `"No"`, `"Denied"`, `"Denied" is used twice`},
		{"Map without processor", `"Type":"Parallel","Branches"`, `"Type":"Map","Branches"`, "a Map without ItemProcessor"},
		{"activity task without its execution", `"executionArn.$":"$$.Execution.Id"`, `"executionArn.$":"$.tollgate.execution"`, `must carry "executionArn"`},
		{"heartbeat not below the timeout", `"HeartbeatSeconds":300`, `"HeartbeatSeconds":3600`, "HeartbeatSeconds 3600 is not below TimeoutSeconds 3600"},
		{"heartbeat from the input with a timeout", `"HeartbeatSeconds":300`, `"HeartbeatSecondsPath":"$.tollgate.heartbeatSeconds"`, "a heartbeat from the input"},
	}
	if problems := checkDefinition([]byte(checkerBase)); len(problems) > 0 {
		t.Fatalf("the base machine should be sound, got %q", problems)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			broken := strings.ReplaceAll(checkerBase, tc.old, tc.new)
			if broken == checkerBase {
				t.Fatalf("the case does not change the base machine (%q not found)", tc.old)
			}
			problems := checkDefinition([]byte(broken))
			if len(problemsMatching(problems, tc.want)) == 0 {
				t.Errorf("want a problem containing %q, got %q", tc.want, problems)
			}
		})
	}
}

func TestDefinitionsAreSound(t *testing.T) {
	cases := []struct {
		path         string
		placeholders []string
	}{
		{ShippedPath, []string{ActivityArnPlaceholder, TopicArnPlaceholder}},
		{FixedThreePath, []string{ActivityArnPlaceholder}},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			definition := readRepoFile(t, tc.path)
			if problems := checkDefinition(definition); len(problems) > 0 {
				t.Errorf("structural problems:\n%s", strings.Join(problems, "\n"))
			}
			if got := Placeholders(definition); !reflect.DeepEqual(got, tc.placeholders) {
				t.Errorf("placeholders = %q, want %q", got, tc.placeholders)
			}
		})
	}
}

// reportHeartbeatSeconds is the outcome report's HeartbeatSeconds: below its TimeoutSeconds
// (3600), so a report a dead operator took is handed out again within the hour.
const reportHeartbeatSeconds = 300

// The shipped machine's contract points, each read at its place in the definition.
func TestShippedMachineFollowsContract(t *testing.T) {
	var m map[string]any
	if err := json.Unmarshal(readRepoFile(t, ShippedPath), &m); err != nil {
		t.Fatal(err)
	}
	approvals := []any{"States", "Gate", "Branches", 0, "States", "Approvals"}
	iteration := join(approvals, "ItemProcessor", "States")
	wait := join(iteration, "WaitForDecision")
	report := []any{"States", "ReportOutcome"}
	cases := []struct {
		name string
		path []any
		want any
	}{
		{"the Map iterates the approvers", join(approvals, "ItemsPath"), "$.approvers"},
		{"all slots wait at once", join(approvals, "MaxConcurrency"), 0.0},
		{"the item is the approver", join(approvals, "ItemSelector", "approver.$"), "$$.Map.Item.Value"},
		{"each slot is an activity task", join(wait, "Resource"), "${ApprovalActivityArn}"},
		{"the task says it is an approval", join(wait, "Parameters", "task"), "approval"},
		{"the task names the slot", join(wait, "Parameters", "approver.$"), "$.approver.name"},
		{"the task names its execution", join(wait, "Parameters", "executionArn.$"), "$$.Execution.Id"},
		{"heartbeats come from the input", join(wait, "HeartbeatSecondsPath"), "$.tollgate.heartbeatSeconds"},
		{"a lost token is re-issued", join(wait, "Retry", 0, "ErrorEquals", 0), "States.HeartbeatTimeout"},
		{"re-issued nearly forever", join(wait, "Retry", 0, "MaxAttempts"), 99999999.0},
		{"a rejection is caught", join(wait, "Catch", 0, "ErrorEquals", 0), approval.ErrorRejected},
		{"an approval reaching the quorum ends the gate", join(iteration, "ApprovalQuorum", "Choices", 0, "StringEquals"), "reached"},
		{"...as QuorumReached", join(iteration, "QuorumReached", "Error"), approval.ErrorQuorumReached},
		{"a rejection parses its cause", join(iteration, "ReadRejection", "Parameters", "decision.$"), "States.StringToJson($.rejection.Cause)"},
		{"an unreachable quorum ends the gate", join(iteration, "RejectionQuorum", "Choices", 0, "StringEquals"), "unreachable"},
		{"...as Rejected", join(iteration, "QuorumUnreachable", "Error"), approval.ErrorRejected},
		{"a Map without verdict is Inconclusive", []any{"States", "Gate", "Branches", 0, "States", "Inconclusive", "Error"}, approval.ErrorInconclusive},
		{"the deadline is expiresAt", []any{"States", "Gate", "Branches", 1, "States", "UntilExpiry", "TimestampPath"}, "$.tollgate.expiresAt"},
		{"...then Expired", []any{"States", "Gate", "Branches", 1, "States", "DeadlinePassed", "Error"}, approval.ErrorExpired},
		{"quorum → Approved", []any{"States", "Gate", "Catch", 0}, catcher(approval.ErrorQuorumReached, "OutcomeApproved")},
		{"rejection → Rejected", []any{"States", "Gate", "Catch", 1}, catcher(approval.ErrorRejected, "OutcomeRejected")},
		{"deadline → Expired", []any{"States", "Gate", "Catch", 2}, catcher(approval.ErrorExpired, "OutcomeExpired")},
		{"anything else → Failed, last", []any{"States", "Gate", "Catch", 3}, catcher("States.ALL", "OutcomeFailed")},
		{"the report is an outcome task", join(report, "Parameters", "task"), "outcome"},
		{"the report says the outcome", join(report, "Parameters", "outcome.$"), "$.report.outcome"},
		{"the report names its execution", join(report, "Parameters", "executionArn.$"), "$$.Execution.Id"},
		{"the report is read by the activity", join(report, "Resource"), "${ApprovalActivityArn}"},
		{"a dead operator cannot hold the end", join(report, "TimeoutSeconds"), 3600.0},
		{"a failed report continues", join(report, "Catch", 0, "Next"), "Verdict"},
		{"a report a dead operator took is re-issued", join(report, "Retry", 0, "ErrorEquals", 0), "States.HeartbeatTimeout"},
		{"...after a heartbeat timeout below the report's timeout", join(report, "HeartbeatSeconds"), float64(reportHeartbeatSeconds)},
		{"the rejected outcome", []any{"States", "OutcomeRejected", "Parameters", "outcome"}, "Rejected"},
		{"Rejected ends as tollgate.Rejected", []any{"States", "Rejected", "Error"}, approval.ErrorRejected},
		{"Expired ends as tollgate.Expired", []any{"States", "Expired", "Error"}, approval.ErrorExpired},
		{"anything else ends with the original error", []any{"States", "Failed", "ErrorPath"}, "$.failure.Error"},
		{"the verdict's default is that error", []any{"States", "Verdict", "Default"}, "Failed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := dig(m, tc.path...); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%v = %#v, want %#v", tc.path, got, tc.want)
			}
		})
	}
}

// join copies base and appends more, so that paths never share a backing array.
func join(base []any, more ...any) []any {
	return append(append([]any{}, base...), more...)
}

func catcher(errorName, next string) map[string]any {
	return map[string]any{"ErrorEquals": []any{errorName}, "ResultPath": "$.failure", "Next": next}
}

func TestSubstitute(t *testing.T) {
	definition := []byte(`{"a":"${ApprovalActivityArn}","b":"topic=${NotificationTopicArn}"}`)
	cases := []struct {
		name    string
		subst   map[string]string
		want    string
		wantErr string
	}{
		{"both", map[string]string{"ApprovalActivityArn": "arn:x", "NotificationTopicArn": ""}, `{"a":"arn:x","b":"topic="}`, ""},
		{"escaped for JSON", map[string]string{"ApprovalActivityArn": `a"b\`, "NotificationTopicArn": "t"}, `{"a":"a\"b\\","b":"topic=t"}`, ""},
		{"missing value", map[string]string{"ApprovalActivityArn": "arn:x"}, "", "NotificationTopicArn"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Substitute(definition, tc.subst)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one naming %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Fatalf("Substitute = %s, %v; want %s", got, err, tc.want)
			}
		})
	}
}

func TestLoadShippedHasNoPlaceholderLeft(t *testing.T) {
	definition, err := LoadShipped("arn:aws:states:us-east-1:123456789012:activity:a", "")
	if err != nil {
		t.Fatal(err)
	}
	if left := Placeholders(definition); len(left) > 0 {
		t.Errorf("placeholders left: %q", left)
	}
}

func readRepoFile(t *testing.T, rel string) []byte {
	t.Helper()
	path, err := RepoFile(rel)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// dig follows map keys (string) and slice indexes (int) through decoded JSON or YAML.
func dig(v any, path ...any) any {
	for _, step := range path {
		switch key := step.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[key]
		case int:
			s, ok := v.([]any)
			if !ok || key >= len(s) {
				return nil
			}
			v = s[key]
		}
	}
	return v
}
