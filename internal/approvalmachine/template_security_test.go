package approvalmachine

import (
	"encoding/json"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// Issue #26's template checks: the operator's role and its trust, one activity per
// installation, customer-managed keys, the topic's policy, and the service account the chart
// and the docs name.

const (
	oidcProvider = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
	testAccount  = "123456789012"
)

// subJSON resolves a Fn::Sub whose text is a JSON document: ${Param} from the deployment,
// pseudo parameters as in account 123456789012, partition aws, region eu-west-1.
func subJSON(t *testing.T, d *deployment, sub any) map[string]any {
	t.Helper()
	text, ok := dig(sub, "Fn::Sub").(string)
	if !ok {
		t.Fatalf("not a Fn::Sub of a string: %#v", sub)
	}
	pseudo := map[string]string{"AWS::Partition": "aws", "AWS::AccountId": testAccount, "AWS::Region": "eu-west-1"}
	text = subVariable.ReplaceAllStringFunc(text, func(m string) string {
		name := m[2 : len(m)-1]
		if v, ok := pseudo[name]; ok {
			return v
		}
		return d.params[name]
	})
	var out map[string]any
	if err := json.Unmarshal([]byte(text), &out); err != nil {
		t.Fatalf("the substituted document is not JSON: %v\n%s", err, text)
	}
	return out
}

func TestOperatorRoleTrustsExactlyTheServiceAccount(t *testing.T) {
	if d := mustDeploy(t, nil); d.resource("OperatorRole") != nil || d.resource("OperatorPodIdentityAssociation") != nil {
		t.Error("OperatorIdentity none creates a role")
	}
	t.Run("IRSA", func(t *testing.T) {
		d := mustDeploy(t, map[string]string{"OperatorIdentity": "irsa", "ClusterOidcProvider": oidcProvider, "OperatorNamespace": "gates"})
		role := d.resource("OperatorRole")
		trust := subJSON(t, d, dig(role, "AssumeRolePolicyDocument"))
		want := map[string]any{
			"Sid": "OperatorServiceAccountThroughIRSA", "Effect": "Allow",
			"Principal": map[string]any{"Federated": "arn:aws:iam::" + testAccount + ":oidc-provider/" + oidcProvider},
			"Action":    "sts:AssumeRoleWithWebIdentity",
			"Condition": map[string]any{"StringEquals": map[string]any{
				oidcProvider + ":aud": "sts.amazonaws.com",
				oidcProvider + ":sub": "system:serviceaccount:gates:tollgate-controller-manager",
			}},
		}
		if statements, _ := trust["Statement"].([]any); len(statements) != 1 || !reflect.DeepEqual(statements[0], want) {
			t.Errorf("IRSA trust policy:\n%#v\nwant one statement:\n%#v", trust["Statement"], want)
		}
		if !reflect.DeepEqual(dig(role, "ManagedPolicyArns"), []any{map[string]any{"Ref": "OperatorPolicy"}}) {
			t.Errorf("the role carries %#v, want the operator policy", dig(role, "ManagedPolicyArns"))
		}
		if d.resource("OperatorPodIdentityAssociation") != nil {
			t.Error("IRSA creates a Pod Identity association")
		}
	})
	t.Run("EKS Pod Identity", func(t *testing.T) {
		d := mustDeploy(t, map[string]string{"OperatorIdentity": "pod-identity", "EksClusterName": "prod"})
		statements, _ := dig(d.resource("OperatorRole"), "AssumeRolePolicyDocument", "Statement").([]any)
		want := map[string]any{
			"Sid": "OperatorServiceAccountThroughPodIdentity", "Effect": "Allow",
			"Principal": map[string]any{"Service": "pods.eks.amazonaws.com"},
			"Action":    []any{"sts:AssumeRole", "sts:TagSession"},
			"Condition": map[string]any{"StringEquals": map[string]any{
				"aws:RequestTag/eks-cluster-arn":            map[string]any{"Fn::Sub": "arn:${AWS::Partition}:eks:${AWS::Region}:${AWS::AccountId}:cluster/${EksClusterName}"},
				"aws:RequestTag/kubernetes-namespace":       map[string]any{"Ref": "OperatorNamespace"},
				"aws:RequestTag/kubernetes-service-account": map[string]any{"Ref": "OperatorServiceAccount"},
			}},
		}
		if len(statements) != 1 || !reflect.DeepEqual(statements[0], want) {
			t.Errorf("Pod Identity trust policy:\n%#v\nwant one statement:\n%#v", statements, want)
		}
		association := d.resource("OperatorPodIdentityAssociation")
		for field, want := range map[string]any{
			"ClusterName": map[string]any{"Ref": "EksClusterName"}, "Namespace": map[string]any{"Ref": "OperatorNamespace"},
			"ServiceAccount": map[string]any{"Ref": "OperatorServiceAccount"}, "RoleArn": map[string]any{"Fn::GetAtt": []any{"OperatorRole", "Arn"}},
		} {
			if got := association[field]; !reflect.DeepEqual(got, want) {
				t.Errorf("association %s = %#v, want %#v", field, got, want)
			}
		}
	})
	// The rules refuse a role the stack could not make sound.
	rules := keys(loadTemplate(t)["Rules"])
	for _, rule := range []string{"IrsaNeedsTheClusterOidcProvider", "PodIdentityNeedsTheCluster", "OneOperatorRole"} {
		if rules[rule] == nil {
			t.Errorf("no rule %s", rule)
		}
	}
}

// One activity per installation: both names end with this stack's id, and stay within the
// 80 characters Step Functions allows.
func TestNamesAreUniqueToTheInstallation(t *testing.T) {
	tpl := loadTemplate(t)
	stackUUID := map[string]any{"Fn::Select": []any{2, map[string]any{"Fn::Split": []any{"/", map[string]any{"Ref": "AWS::StackId"}}}}}
	want := map[string]any{"Fn::Sub": []any{"${NamePrefix}-approval-${StackUUID}", map[string]any{"StackUUID": stackUUID}}}
	for resource, field := range map[string]string{"ApprovalActivity": "Name", "ApprovalStateMachine": "StateMachineName"} {
		if got := dig(tpl, "Resources", resource, "Properties", field); !reflect.DeepEqual(got, want) {
			t.Errorf("%s %s = %#v, want %#v", resource, field, got, want)
		}
	}
	pattern, _ := dig(tpl, "Parameters", "NamePrefix", "AllowedPattern").(string)
	longest := regexp.MustCompile(`\{1,(\d+)\}`).FindStringSubmatch(pattern)
	if longest == nil {
		t.Fatalf("NamePrefix's AllowedPattern %q does not bound its length", pattern)
	}
	if n, _ := strconv.Atoi(longest[1]); n+len("-approval-")+len("1c2fa620-982a-11e3-aff7-50e2416294e0") > 80 {
		t.Errorf("a %d-character NamePrefix makes names over 80 characters", n)
	}
	// Where a Ref would make a cycle, the same names are spelled out.
	for _, where := range [][]any{
		{"Resources", "EncryptionKey", "Properties", "KeyPolicy", "Statement", 1, "Condition", "StringEquals", "kms:EncryptionContext:aws:states:activityArn", "Fn::Sub"},
		{"Resources", "StateMachineRole", "Properties", "Policies", 1, "Fn::If", 1, "PolicyDocument", "Statement", 0, "Condition", "StringEquals", "kms:EncryptionContext:aws:states:stateMachineArn", "Fn::Sub"},
	} {
		sub, _ := dig(tpl, where...).([]any)
		if text, _ := dig(sub, 0).(string); len(sub) != 2 || !strings.HasSuffix(text, ":${NamePrefix}-approval-${StackUUID}") || !reflect.DeepEqual(sub[1], map[string]any{"StackUUID": stackUUID}) {
			t.Errorf("%v = %#v, want an ARN ending in the installation's name", where, dig(tpl, where...))
		}
	}
}

func TestEncryptionKeys(t *testing.T) {
	cases := []struct {
		kmsKey string
		key    any // what every encrypted resource names; nil: AWS-owned keys
	}{
		{"", nil}, {"create", ownKey}, {someKeyArn, givenKey},
	}
	for _, tc := range cases {
		t.Run("KmsKey="+tc.kmsKey, func(t *testing.T) {
			d := mustDeploy(t, map[string]string{"KmsKey": tc.kmsKey, "NotificationEmail": "approvals@example.com"})
			for _, resource := range []string{"ApprovalActivity", "ApprovalStateMachine"} {
				var want any
				if tc.key != nil {
					want = map[string]any{"Type": "CUSTOMER_MANAGED_KMS_KEY", "KmsKeyId": tc.key, "KmsDataKeyReusePeriodSeconds": 300}
				}
				if got := d.resource(resource)["EncryptionConfiguration"]; !reflect.DeepEqual(got, want) {
					t.Errorf("%s EncryptionConfiguration = %#v, want %#v", resource, got, want)
				}
			}
			if got := d.resource("NotificationTopic")["KmsMasterKeyId"]; !reflect.DeepEqual(got, tc.key) {
				t.Errorf("topic KmsMasterKeyId = %#v, want %#v", got, tc.key)
			}
			key := d.resource("EncryptionKey")
			if (key != nil) != (tc.kmsKey == "create") || key != nil && key["EnableKeyRotation"] != true {
				t.Errorf("EncryptionKey = %#v for KmsKey %q", key, tc.kmsKey)
			}
		})
	}
}

// The topic takes publishes only from the state machine's role, and only over TLS.
func TestNotificationTopicPolicy(t *testing.T) {
	if mustDeploy(t, nil).resource("NotificationTopicPolicy") != nil {
		t.Error("a topic policy without a topic")
	}
	policy := mustDeploy(t, map[string]string{"NotificationEmail": "approvals@example.com"}).resource("NotificationTopicPolicy")
	topic := map[string]any{"Ref": "NotificationTopic"}
	if !reflect.DeepEqual(policy["Topics"], []any{topic}) {
		t.Errorf("Topics = %#v", policy["Topics"])
	}
	want := []any{
		map[string]any{"Sid": "PublishOnlyByTheStateMachine", "Effect": "Deny", "Principal": "*", "Action": "sns:Publish", "Resource": topic,
			"Condition": map[string]any{"ArnNotEquals": map[string]any{"aws:PrincipalArn": map[string]any{"Fn::GetAtt": []any{"StateMachineRole", "Arn"}}}}},
		map[string]any{"Sid": "TLSOnly", "Effect": "Deny", "Principal": "*", "Action": []any{"sns:Publish", "sns:Subscribe"}, "Resource": topic,
			"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}},
	}
	if got := dig(policy, "PolicyDocument", "Statement"); !reflect.DeepEqual(got, want) {
		t.Errorf("topic policy statements:\n%#v\nwant\n%#v", got, want)
	}
}

// The service account the role trusts by default is the one config/default names, the
// chart takes its name from serviceAccount.name whatever the release is called, and every
// helm install in the install guide sets it (or takes the stack's HelmValues, which does).
func TestServiceAccountAgreesWithTheChartAndTheDocs(t *testing.T) {
	var kustomization struct {
		Namespace  string `yaml:"namespace"`
		NamePrefix string `yaml:"namePrefix"`
	}
	if err := yaml.Unmarshal(readRepoFile(t, "config/default/kustomization.yaml"), &kustomization); err != nil {
		t.Fatal(err)
	}
	var serviceAccount struct {
		Metadata struct{ Name string } `yaml:"metadata"`
	}
	if err := yaml.Unmarshal(readRepoFile(t, "config/rbac/service_account.yaml"), &serviceAccount); err != nil {
		t.Fatal(err)
	}
	tpl := loadTemplate(t)
	name, _ := dig(tpl, "Parameters", "OperatorServiceAccount", "Default").(string)
	if want := kustomization.NamePrefix + serviceAccount.Metadata.Name; name != want {
		t.Errorf("OperatorServiceAccount defaults to %q, config/default names it %s", name, want)
	}
	if ns := dig(tpl, "Parameters", "OperatorNamespace", "Default"); ns != kustomization.Namespace {
		t.Errorf("OperatorNamespace defaults to %v, config/default installs in %s", ns, kustomization.Namespace)
	}
	var values struct {
		ServiceAccount map[string]any `yaml:"serviceAccount"`
	}
	if err := yaml.Unmarshal(readRepoFile(t, "dist/chart/values.yaml"), &values); err != nil {
		t.Fatal(err)
	}
	if _, ok := values.ServiceAccount["name"]; !ok {
		t.Error("the chart has no serviceAccount.name")
	}
	helpers := string(readRepoFile(t, "dist/chart/templates/_helpers.tpl"))
	if !strings.Contains(helpers, ".Values.serviceAccount.name") {
		t.Error("the chart's ServiceAccount name does not come from serviceAccount.name")
	}
	guide := string(readRepoFile(t, "docs/install.md"))
	installs := regexp.MustCompile(`(?s)helm install \S+ dist/chart .*?\n[ \t]*\x60\x60\x60`).FindAllString(guide, -1)
	if len(installs) == 0 {
		t.Fatal("docs/install.md has no helm install command")
	}
	for _, cmd := range installs {
		// Either literally, or from the stack's HelmValues output (TestTemplateOutputs).
		if !strings.Contains(cmd, "serviceAccount.name="+name) && !strings.Contains(cmd, "OutputKey=='HelmValues'") {
			t.Errorf("a helm install in docs/install.md sets neither serviceAccount.name=%s nor the stack's HelmValues:\n%s", name, cmd)
		}
	}
}
