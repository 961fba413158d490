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
	const head = "Parameters: {P: {Type: String}}\n" +
		"Conditions: {C: !Equals [!Ref P, x], Either: !Or [!Condition C, !Equals [!Ref P, y]], Both: !And [!Condition C, !Equals [!Ref P, z]]}\n" +
		"Resources:\n  Topic: {Type: AWS::SNS::Topic, Condition: C}\n  Role: {Type: AWS::IAM::Role, Condition: Either}\n"
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
		{"a condition an Fn::Or holds does not hold its members", "  R: {Type: T, Condition: Either, Properties: {A: !Ref Topic}}", "only under condition C"},
	}
	for _, good := range []string{
		"  R: {Type: T, Properties: {A: !If [C, !Ref Topic, !Ref AWS::NoValue], B: !Sub '${P}${!Literal}', D: !GetAtt [Topic, TopicName]}, Condition: C}",
		"  R: {Type: T, Properties: {A: !Sub ['${X}-${P}', {X: !Ref P}]}}",
		"  R: {Type: T, Condition: C, Properties: {A: !Ref Role}}",     // C implies Either
		"  R: {Type: T, Condition: Both, Properties: {A: !Ref Topic}}", // Both implies C
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

// mustDeploy is the template as deployed with params (the others at their defaults).
func mustDeploy(t *testing.T, params map[string]string) *deployment {
	t.Helper()
	d, err := deploy(loadTemplate(t), params)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// keyArn is the key every encrypted resource and grant names: the stack's own, or the given one.
var (
	ownKey   = map[string]any{"Fn::GetAtt": []any{"EncryptionKey", "Arn"}}
	givenKey = map[string]any{"Ref": "KmsKey"}
)

const someKeyArn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

func TestOperatorPolicyGrantsExactlyWhatTheOperatorNeeds(t *testing.T) {
	executions := map[string]any{"Fn::Sub": "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:${ApprovalStateMachine.Name}:*"}
	base := map[string]any{
		"states:StartExecution":    map[string]any{"Ref": "ApprovalStateMachine"},
		"states:DescribeExecution": executions,
		// The history confirms an end only the execution can (an outcome report of Failed).
		"states:GetExecutionHistory": executions,
		"states:StopExecution":       executions,
		"states:GetActivityTask":     map[string]any{"Ref": "ApprovalActivity"},
		// The Service Authorization Reference lists no resource type for these: "*".
		"states:SendTaskSuccess":   "*",
		"states:SendTaskFailure":   "*",
		"states:SendTaskHeartbeat": "*",
	}
	with := func(extra map[string]any) map[string]any {
		out := maps.Clone(base)
		maps.Copy(out, extra)
		return out
	}
	activity := map[string]any{"Ref": "ApprovalActivity"}
	cases := []struct {
		name   string
		params map[string]string
		want   map[string]any
	}{
		{"defaults", nil, base},
		{"task answers scoped to the activity", map[string]string{"TaskAnswerScope": "activity"},
			with(map[string]any{"states:SendTaskSuccess": activity, "states:SendTaskFailure": activity, "states:SendTaskHeartbeat": activity})},
		{"the stack's key", map[string]string{"KmsKey": "create"}, with(map[string]any{"kms:Decrypt": ownKey, "kms:GenerateDataKey": ownKey})},
		{"a given key", map[string]string{"KmsKey": someKeyArn}, with(map[string]any{"kms:Decrypt": givenKey, "kms:GenerateDataKey": givenKey})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			document := dig(mustDeploy(t, tc.params).resource("OperatorPolicy"), "PolicyDocument")
			got := grants(t, document)
			for action, resource := range tc.want {
				if !reflect.DeepEqual(got[action], resource) {
					t.Errorf("%s on %#v, want on %#v", action, got[action], resource)
				}
			}
			for action := range got {
				if _, ok := tc.want[action]; !ok {
					t.Errorf("%s is granted but the operator does not need it", action)
				}
			}
			// The key serves the operator only through Step Functions.
			if via := statementCondition(document, "kms:Decrypt", "StringEquals", "kms:ViaService"); tc.want["kms:Decrypt"] != nil &&
				!reflect.DeepEqual(via, map[string]any{"Fn::Sub": "states.${AWS::Region}.amazonaws.com"}) {
				t.Errorf("the key's use is not limited to Step Functions: kms:ViaService %#v", via)
			}
		})
	}
	wantRoles := map[string]any{"Fn::If": []any{"AttachToOperatorRole", []any{map[string]any{"Ref": "OperatorRoleName"}}, map[string]any{"Ref": "AWS::NoValue"}}}
	if roles := dig(loadTemplate(t), "Resources", "OperatorPolicy", "Properties", "Roles"); !reflect.DeepEqual(roles, wantRoles) {
		t.Errorf("Roles = %#v, want the optional OperatorRoleName", roles)
	}
}

// statementCondition is the value a policy document's statement granting action gives to
// the condition key under the operator.
func statementCondition(document any, action, operator, key string) any {
	statements, _ := dig(document, "Statement").([]any)
	for _, s := range statements {
		actions, ok := dig(s, "Action").([]any)
		if !ok {
			actions = []any{dig(s, "Action")}
		}
		if slices.Contains(actions, any(action)) {
			return dig(s, "Condition", operator, key)
		}
	}
	return nil
}

func TestStateMachineRoleGrantsOnlyWhatTheMachineUses(t *testing.T) {
	role := mustDeploy(t, nil).resource("StateMachineRole")
	if principal := dig(role, "AssumeRolePolicyDocument", "Statement", 0, "Principal", "Service"); principal != "states.amazonaws.com" {
		t.Errorf("trusted principal %v, want states.amazonaws.com", principal)
	}
	topic := map[string]any{"Ref": "NotificationTopic"}
	cases := []struct {
		name   string
		params map[string]string
		// want: each policy's grants, action -> resource, and the encryption context a key
		// grant is limited to.
		want    []map[string]any
		context []string
	}{
		{"activity tasks need nothing", nil, nil, nil},
		{"e-mail", map[string]string{"NotificationEmail": "approvals@example.com"}, []map[string]any{{"sns:Publish": topic}}, nil},
		{"a key, no e-mail", map[string]string{"KmsKey": "create"},
			[]map[string]any{{"kms:Decrypt": ownKey, "kms:GenerateDataKey": ownKey}},
			[]string{"aws:states:stateMachineArn", "aws:states:activityArn"}},
		{"a key and e-mail", map[string]string{"KmsKey": someKeyArn, "NotificationEmail": "approvals@example.com"},
			[]map[string]any{{"sns:Publish": topic}, {"kms:Decrypt": givenKey, "kms:GenerateDataKey": givenKey, "kms:GenerateDataKey*": givenKey}},
			[]string{"aws:states:stateMachineArn", "aws:states:activityArn", "aws:sns:topicArn"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			policies, _ := dig(mustDeploy(t, tc.params).resource("StateMachineRole"), "Policies").([]any)
			if len(policies) != len(tc.want) {
				t.Fatalf("%d policies, want %d: %#v", len(policies), len(tc.want), policies)
			}
			var contexts []string
			for i, p := range policies {
				if got := grantsBySid(t, dig(p, "PolicyDocument")); !reflect.DeepEqual(got, tc.want[i]) {
					t.Errorf("policy %v grants %#v, want %#v", dig(p, "PolicyName"), got, tc.want[i])
				}
				statements, _ := dig(p, "PolicyDocument", "Statement").([]any)
				for _, s := range statements {
					for k := range keys(dig(s, "Condition", "StringEquals")) {
						contexts = append(contexts, strings.TrimPrefix(k, "kms:EncryptionContext:"))
					}
				}
			}
			if !reflect.DeepEqual(contexts, tc.context) {
				t.Errorf("key grants limited to encryption contexts %q, want %q", contexts, tc.context)
			}
		})
	}
}

// grantsBySid is grants for a document that may grant one action in several statements
// (each limited to its own encryption context) on one resource.
func grantsBySid(t *testing.T, document any) map[string]any {
	t.Helper()
	out := map[string]any{}
	statements, _ := dig(document, "Statement").([]any)
	for _, s := range statements {
		maps.Copy(out, grants(t, map[string]any{"Statement": []any{s}}))
	}
	return out
}

func TestStateMachineIsTheShippedDefinition(t *testing.T) {
	props := dig(loadTemplate(t), "Resources", "ApprovalStateMachine", "Properties")
	uri, _ := dig(props, "DefinitionS3Location").(string)
	templateFile, err := RepoFile(templatePath)
	if err != nil {
		t.Fatal(err)
	}
	shipped, err := RepoFile(ShippedPath)
	if err != nil {
		t.Fatal(err)
	}
	if got := filepath.Join(filepath.Dir(templateFile), uri); got != shipped {
		t.Errorf("DefinitionS3Location resolves to %s, want %s", got, shipped)
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
		{"OperatorSubject", map[string]any{"Fn::Sub": "system:serviceaccount:${OperatorNamespace}:${OperatorServiceAccount}"}},
		{"OperatorRoleArn", map[string]any{"Fn::GetAtt": []any{"OperatorRole", "Arn"}}},
		{"NotificationTopicArn", map[string]any{"Ref": "NotificationTopic"}},
	}
	for _, tc := range cases {
		if got := dig(outputs, tc.output, "Value"); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("output %s = %#v, want %#v", tc.output, got, tc.want)
		}
	}
	// The Helm arguments name the service account the role trusts, and IRSA's role, which the
	// operator then checks it runs as.
	for _, params := range []map[string]string{nil, {"OperatorIdentity": "irsa", "ClusterOidcProvider": "oidc.example/id/X"}} {
		helm, _ := dig(mustDeploy(t, params).template, "Outputs", "HelmValues", "Value", "Fn::Sub").(string)
		irsa := strings.Contains(helm, "--set serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn=${OperatorRole.Arn} --set stepFunctions.expectRoleARN=${OperatorRole.Arn}")
		if !strings.Contains(helm, "--namespace ${OperatorNamespace} --set serviceAccount.name=${OperatorServiceAccount} ") || irsa != (params != nil) {
			t.Errorf("HelmValues for %v = %q", params, helm)
		}
	}
}
