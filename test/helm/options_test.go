package helm

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/tollgate-dev/tollgate/internal/manifests"
	"github.com/tollgate-dev/tollgate/internal/operator"
)

// mainFlag is a flag cmd/main.go defines itself: flag.StringVar(&x, "name", ...).
var mainFlag = regexp.MustCompile(`flag\.(String|Bool|Int|Float64)Var\(&\w+, "([a-z0-9-]+)"`)

// managerFlags is the manager's command line: the operator's flags (internal/operator, with
// their types, so values are parsed as the manager parses them), zap's, and cmd/main.go's own.
func managerFlags(t *testing.T) (*flag.FlagSet, *operator.Config) {
	t.Helper()
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg := operator.NewConfig()
	cfg.BindFlags(fs)
	(&zap.Options{}).BindFlags(fs)
	src, err := os.ReadFile(filepath.Join(root, "cmd", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	matches := mainFlag.FindAllStringSubmatch(string(src), -1)
	if len(matches) < 5 {
		t.Fatalf("found %d flags in cmd/main.go: has it changed how it defines them?", len(matches))
	}
	for _, m := range matches {
		switch m[1] {
		case "Bool":
			fs.Bool(m[2], false, "")
		case "Int":
			fs.Int(m[2], 0, "")
		case "Float64":
			fs.Float64(m[2], 0, "")
		default:
			fs.String(m[2], "", "")
		}
	}
	return fs, cfg
}

// managerArgs are the arguments of the manager container of a rendering.
func managerArgs(t *testing.T, objs []*unstructured.Unstructured, prefix string) []string {
	t.Helper()
	d := manifests.Find(objs, "Deployment", prefix+"controller-manager")
	if d == nil {
		t.Fatal("no manager Deployment")
	}
	containers, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
	args, _, _ := unstructured.NestedStringSlice(containers[0].(map[string]any), "args")
	return args
}

// What values.yaml sets reaches the manager: every argument the chart renders is one of the
// manager's flags, parses as the manager parses it, passes the manager's own checks of the AWS
// flags, and carries the value given.
func TestValuesReachTheManager(t *testing.T) {
	objs := helms(t)[0].render(t, allOptions)
	fs, cfg := managerFlags(t)
	args := managerArgs(t, objs, allOptions.install.Prefix)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("the manager refuses the chart's arguments %q: %v", args, err)
	}
	if err := cfg.AWS.Validate(); err != nil {
		t.Errorf("the manager refuses the chart's AWS flags: %v", err)
	}
	for flagName, want := range map[string]string{
		"activity-arn":      "arn:aws:states:eu-west-1:210987654321:activity:gate-approvals",
		"state-machine-arn": "arn:aws:states:eu-west-1:210987654321:stateMachine:gate-approval",
		"aws-region":        "eu-west-1", "aws-endpoint-url": "https://states.eu-west-1.amazonaws.com",
		"aws-assume-role-arn": "arn:aws:iam::210987654321:role/tollgate-steps", "aws-external-id": "gate-external-id", "aws-role-session-name": "gate",
		"aws-rate-scale": "0.5", "activity-pollers": "4", "heartbeat-interval": (45 * time.Second).String(), "task-heartbeat-seconds": "600",
		"min-retry-delay": "2s", "max-retry-delay": "5m0s", "start-retry-delay": "1m0s", "min-follow-delay": "3s", "idle-follow-delay": "10m0s",
		"expiry-grace": "2m0s", "max-concurrent-reconciles": "8", "cluster-id": "gate-cluster", "record-key-secret": "gate-record-key",
		"token-key-secret": "gate-token-key", "leader-elect": "true", "leader-election-namespace": "approvals-leases", "webhook-port": "9444",
		"metrics-bind-address": ":8444", "zap-log-level": "debug", "policy-enforcement": "labelled",
		"disable-notifications": "true", "notification-workers": "2", "notification-timeout": "20s", "notification-config-recheck": "2m0s",
	} {
		if f := fs.Lookup(flagName); f == nil || f.Value.String() != want {
			t.Errorf("--%s: the manager reads %v, want %s (arguments %q)", flagName, f, want, args)
		}
	}
	checkObjects(t, objs, allOptions.install.Prefix)
}

// The default values give the manager arguments it accepts.
func TestDefaultArgumentsParse(t *testing.T) {
	fs, cfg := managerFlags(t)
	if err := fs.Parse(managerArgs(t, helms(t)[0].render(t, defaults), defaults.install.Prefix)); err != nil {
		t.Fatal(err)
	}
	if err := cfg.AWS.Validate(); err != nil {
		t.Error(err)
	}
}

// checkObjects asserts what the all-options values do to objects other than the manager's
// arguments: the ServiceAccount's IRSA annotation, the ports the Services reach, the
// ServiceMonitor, the Roles that let the manager read the record key and the central
// notification Secrets, and the GatePolicy the chart writes with who may use it.
func checkObjects(t *testing.T, objs []*unstructured.Unstructured, prefix string) {
	get := func(kind, name string, path ...string) any {
		o := manifests.Find(objs, kind, prefix+name)
		if o == nil {
			t.Errorf("no %s %s%s", kind, prefix, name)
			return nil
		}
		v, _, _ := unstructured.NestedFieldNoCopy(o.Object, path...)
		return v
	}
	for _, c := range []struct {
		kind, name string
		path       []string
		want       any
	}{
		{"ServiceAccount", "controller-manager", []string{"metadata", "annotations", "eks.amazonaws.com/role-arn"},
			"arn:aws:iam::210987654321:role/tollgate-controller"},
		{"Service", "webhook-service", []string{"spec", "ports"}, []any{map[string]any{"port": int64(443), "protocol": "TCP", "targetPort": int64(9444)}}},
		{"Service", "controller-manager-metrics-service", []string{"spec", "ports"},
			[]any{map[string]any{"name": "https", "port": int64(8444), "protocol": "TCP", "targetPort": int64(8444)}}},
		{"ServiceMonitor", "controller-manager-metrics-monitor", []string{"metadata", "labels", "release"}, "prometheus"},
		{"Role", "manager-role", []string{"rules"}, nil},
		{"Deployment", "controller-manager", []string{"spec", "replicas"}, int64(2)},
		{"Deployment", "controller-manager", []string{"spec", "template", "spec", "containers"}, nil},
		{"Role", "use-payments-deploy", []string{"rules"}, []any{map[string]any{"apiGroups": []any{"approvals.tollgate.dev"}, "resources": []any{"gatepolicies"},
			"resourceNames": []any{"payments-deploy"}, "verbs": []any{"get", "use"}}}},
		{"Role", "notification-secrets", []string{"rules"}, []any{map[string]any{"apiGroups": []any{""}, "resources": []any{"secrets"},
			"resourceNames": []any{"smtp", "smtp-ca"}, "verbs": []any{"get"}}}},
		{"RoleBinding", "notification-secrets", []string{"subjects"}, []any{
			map[string]any{"kind": "ServiceAccount", "name": prefix + "controller-manager", "namespace": "approvals"}}},
		{"RoleBinding", "use-payments-deploy", []string{"subjects"}, []any{
			map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "ravi@example.com"},
			map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "payments-devs"}}},
	} {
		got := get(c.kind, c.name, c.path...)
		if c.want != nil && !equalJSON(got, c.want) {
			t.Errorf("%s %s%s %v = %v, want %v", c.kind, prefix, c.name, c.path, got, c.want)
		}
	}
	p := manifests.Find(objs, "GatePolicy", "payments-deploy")
	if p == nil || p.GetNamespace() != "approvals" || !containsJSON(p.Object["spec"], `"requiredApprovals":1`) {
		t.Errorf("policies.items renders no GatePolicy payments-deploy in approvals with its spec: %v", p)
	}
	rules := get("Role", "manager-role", "rules")
	if !containsJSON(rules, `"resourceNames":["gate-record-key"]`) {
		t.Errorf("the manager's Role does not let it read the record key Secret it is given: %v", rules)
	}
	containers := get("Deployment", "controller-manager", "spec", "template", "spec", "containers")
	if !containsJSON(containers, `"containerPort":9444,"name":"webhook-server"`) ||
		!containsJSON(containers, `"image":"registry.example.com/tollgate:v0.1.0-test"`) {
		t.Errorf("the manager container does not listen on the webhook port or run the image given: %v", containers)
	}
}
