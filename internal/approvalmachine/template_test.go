package approvalmachine

import (
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

const templatePath = "config/aws/template.yaml"

func loadTemplate(t *testing.T) map[string]any {
	t.Helper()
	tpl, err := parseTemplate(readRepoFile(t, templatePath))
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

func TestTemplateReferencesResolve(t *testing.T) {
	if problems := checkReferences(loadTemplate(t)); len(problems) > 0 {
		t.Errorf("unresolved references:\n%s", strings.Join(problems, "\n"))
	}
}

// Each broken template must be caught: the checker above is only as good as these.
func TestReferenceCheckerFindsEachDefect(t *testing.T) {
	const head = "Parameters: {P: {Type: String}}\nConditions: {C: !Equals [!Ref P, x]}\nResources:\n  Topic: {Type: AWS::SNS::Topic, Condition: C}\n"
	cases := []struct{ name, resources, want string }{
		{"Ref of nothing", "  R: {Type: T, Properties: {A: !Ref Nope}}", `"Nope" is neither`},
		{"GetAtt of nothing", "  R: {Type: T, Properties: {A: !GetAtt Nope.Arn}}", `GetAtt of "Nope"`},
		{"Sub of nothing", "  R: {Type: T, Properties: {A: !Sub 'arn:${AWS::Partition}:${Nope}'}}", `"Nope" is neither`},
		{"long-form Ref of nothing", "  R: {Type: T, Properties: {A: {Ref: Nope}}}", `"Nope" is neither`},
		{"If on no condition", "  R: {Type: T, Properties: {A: !If [D, a, b]}}", `condition "D" is not defined`},
		{"resource on no condition", "  R: {Type: T, Condition: D}", `condition "D" is not defined`},
		{"conditional resource used unconditionally", "  R: {Type: T, Properties: {A: !Ref Topic}}", "only under condition C"},
		{"...or in the If's false branch", "  R: {Type: T, Properties: {A: !If [C, x, !Ref Topic]}}", "only under condition C"},
		{"unknown short tag", "  R: {Type: T, Properties: {A: !Reff P}}", "unknown tag !Reff"},
	}
	for _, good := range []string{
		"  R: {Type: T, Properties: {A: !If [C, !Ref Topic, !Ref AWS::NoValue], B: !Sub '${P}${!Literal}', D: !GetAtt [Topic, TopicName]}, Condition: C}",
		"  R: {Type: T, Properties: {A: !Sub ['${X}-${P}', {X: !Ref P}]}}",
	} {
		tpl, err := parseTemplate([]byte(head + good))
		if err != nil {
			t.Fatal(err)
		}
		if problems := checkReferences(tpl); len(problems) > 0 {
			t.Fatalf("a sound template is reported: %q", problems)
		}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tpl, err := parseTemplate([]byte(head + tc.resources))
			var problems []string
			if err != nil {
				problems = []string{err.Error()}
			} else {
				problems = checkReferences(tpl)
			}
			if len(problemsMatching(problems, tc.want)) == 0 {
				t.Errorf("want a problem containing %q, got %q", tc.want, problems)
			}
		})
	}
}

// grants maps each action of a policy document to the resource it is granted on.
func grants(t *testing.T, document any) map[string]any {
	t.Helper()
	out := map[string]any{}
	statements, _ := dig(document, "Statement").([]any)
	for _, s := range statements {
		if effect := dig(s, "Effect"); effect != "Allow" {
			t.Errorf("statement %v: Effect %v, want Allow only", dig(s, "Sid"), effect)
		}
		actions, ok := dig(s, "Action").([]any)
		if !ok {
			actions = []any{dig(s, "Action")}
		}
		for _, a := range actions {
			action, _ := a.(string)
			if _, dup := out[action]; dup {
				t.Errorf("action %s granted twice", action)
			}
			out[action] = dig(s, "Resource")
		}
	}
	return out
}

func TestOperatorPolicyGrantsExactlyWhatTheOperatorNeeds(t *testing.T) {
	policy := dig(loadTemplate(t), "Resources", "OperatorPolicy")
	executions := map[string]any{"Fn::Sub": "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:${NamePrefix}-approval:*"}
	want := map[string]any{
		"states:StartExecution":    map[string]any{"Ref": "ApprovalStateMachine"},
		"states:DescribeExecution": executions,
		"states:StopExecution":     executions,
		"states:GetActivityTask":   map[string]any{"Ref": "ApprovalActivity"},
		// Task tokens support no resource-level permission: "*" is the only valid resource.
		"states:SendTaskSuccess":   "*",
		"states:SendTaskFailure":   "*",
		"states:SendTaskHeartbeat": "*",
	}
	got := grants(t, dig(policy, "Properties", "PolicyDocument"))
	for action, resource := range want {
		if !reflect.DeepEqual(got[action], resource) {
			t.Errorf("%s on %#v, want on %#v", action, got[action], resource)
		}
	}
	for action := range got {
		if _, ok := want[action]; !ok {
			t.Errorf("%s is granted but the operator does not need it", action)
		}
	}
	if machine := dig(loadTemplate(t), "Resources", "ApprovalStateMachine", "Properties", "Name"); !reflect.DeepEqual(machine, map[string]any{"Fn::Sub": "${NamePrefix}-approval"}) {
		t.Errorf("the execution ARN pattern assumes the machine is named ${NamePrefix}-approval, it is %#v", machine)
	}
	wantRoles := map[string]any{"Fn::If": []any{"AttachToOperatorRole", []any{map[string]any{"Ref": "OperatorRoleName"}}, map[string]any{"Ref": "AWS::NoValue"}}}
	if roles := dig(policy, "Properties", "Roles"); !reflect.DeepEqual(roles, wantRoles) {
		t.Errorf("Roles = %#v, want the optional OperatorRoleName", roles)
	}
}

func TestStateMachineRoleOnlyPublishesNotifications(t *testing.T) {
	role := dig(loadTemplate(t), "Resources", "StateMachineRole", "Properties")
	if principal := dig(role, "AssumeRolePolicyDocument", "Statement", 0, "Principal", "Service"); principal != "states.amazonaws.com" {
		t.Errorf("trusted principal %v, want states.amazonaws.com", principal)
	}
	policies, _ := dig(role, "Policies", "Fn::If").([]any)
	if len(policies) != 3 || policies[0] != "NotifyByEmail" || !reflect.DeepEqual(policies[2], map[string]any{"Ref": "AWS::NoValue"}) {
		t.Fatalf("Policies must exist only under NotifyByEmail, got %#v", dig(role, "Policies"))
	}
	got := grants(t, dig(policies[1], 0, "PolicyDocument"))
	want := map[string]any{"sns:Publish": map[string]any{"Ref": "NotificationTopic"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the execution role grants %#v, want %#v", got, want)
	}
}

func TestStateMachineIsTheShippedDefinition(t *testing.T) {
	props := dig(loadTemplate(t), "Resources", "ApprovalStateMachine", "Properties")
	uri, _ := dig(props, "DefinitionUri").(string)
	templateFile, err := RepoFile(templatePath)
	if err != nil {
		t.Fatal(err)
	}
	shipped, err := RepoFile(ShippedPath)
	if err != nil {
		t.Fatal(err)
	}
	if got := filepath.Join(filepath.Dir(templateFile), uri); got != shipped {
		t.Errorf("DefinitionUri resolves to %s, want %s", got, shipped)
	}
	definition, err := os.ReadFile(shipped)
	if err != nil {
		t.Fatal(err)
	}
	substituted := slices.Sorted(maps.Keys(keys(dig(props, "DefinitionSubstitutions"))))
	if want := Placeholders(definition); !reflect.DeepEqual(substituted, want) {
		t.Errorf("DefinitionSubstitutions = %q, the definition's placeholders are %q", substituted, want)
	}
}

func TestTemplateOutputs(t *testing.T) {
	outputs := dig(loadTemplate(t), "Outputs")
	cases := []struct {
		output string
		want   any
	}{
		{"ActivityArn", map[string]any{"Ref": "ApprovalActivity"}},
		{"StateMachineArn", map[string]any{"Ref": "ApprovalStateMachine"}},
		{"OperatorPolicyArn", map[string]any{"Ref": "OperatorPolicy"}},
		{"OperatorFlags", map[string]any{"Fn::Sub": "--aws-region=${AWS::Region} --activity-arn=${ApprovalActivity} --state-machine-arn=${ApprovalStateMachine}"}},
	}
	for _, tc := range cases {
		if got := dig(outputs, tc.output, "Value"); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("output %s = %#v, want %#v", tc.output, got, tc.want)
		}
	}
}
