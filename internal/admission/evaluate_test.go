package admission

import (
	"path/filepath"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/tollgate-dev/tollgate/internal/manifests"
)

// shipped reads the webhook configurations config/webhook ships.
func shipped(t *testing.T) ([]admissionregistrationv1.MutatingWebhookConfiguration, []admissionregistrationv1.ValidatingWebhookConfiguration) {
	t.Helper()
	objs, err := manifests.DecodeFile(filepath.Join("..", "..", "config", "webhook", "manifests.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var m []admissionregistrationv1.MutatingWebhookConfiguration
	var v []admissionregistrationv1.ValidatingWebhookConfiguration
	for _, o := range objs {
		switch o.GetKind() {
		case "MutatingWebhookConfiguration":
			var c admissionregistrationv1.MutatingWebhookConfiguration
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &c); err != nil {
				t.Fatal(err)
			}
			m = append(m, c)
		case "ValidatingWebhookConfiguration":
			var c admissionregistrationv1.ValidatingWebhookConfiguration
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &c); err != nil {
				t.Fatal(err)
			}
			v = append(v, c)
		}
	}
	return m, v
}

func TestEvaluate(t *testing.T) {
	ignore := admissionregistrationv1.Ignore
	cases := []struct {
		name   string
		change func(m []admissionregistrationv1.MutatingWebhookConfiguration, v []admissionregistrationv1.ValidatingWebhookConfiguration) ([]admissionregistrationv1.MutatingWebhookConfiguration, []admissionregistrationv1.ValidatingWebhookConfiguration)
		want   string // "" in force
	}{
		{"as shipped", nil, ""},
		{"the validating configuration deleted", func(m []admissionregistrationv1.MutatingWebhookConfiguration, _ []admissionregistrationv1.ValidatingWebhookConfiguration) ([]admissionregistrationv1.MutatingWebhookConfiguration, []admissionregistrationv1.ValidatingWebhookConfiguration) {
			return m, nil
		}, "webhook vapprovalrequest-v1alpha1.tollgate.dev is not configured"},
		{"the request guard ignores its failures", func(m []admissionregistrationv1.MutatingWebhookConfiguration, v []admissionregistrationv1.ValidatingWebhookConfiguration) ([]admissionregistrationv1.MutatingWebhookConfiguration, []admissionregistrationv1.ValidatingWebhookConfiguration) {
			v[0].Webhooks[0].FailurePolicy = &ignore
			return m, v
		}, "does not fail closed (failurePolicy Ignore)"},
		{"a namespace exempted", func(m []admissionregistrationv1.MutatingWebhookConfiguration, v []admissionregistrationv1.ValidatingWebhookConfiguration) ([]admissionregistrationv1.MutatingWebhookConfiguration, []admissionregistrationv1.ValidatingWebhookConfiguration) {
			v[0].Webhooks[0].NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"checked": "yes"}}
			return m, v
		}, "leaves some namespaces or objects unchecked"},
		{"deletion no longer guarded", func(m []admissionregistrationv1.MutatingWebhookConfiguration, v []admissionregistrationv1.ValidatingWebhookConfiguration) ([]admissionregistrationv1.MutatingWebhookConfiguration, []admissionregistrationv1.ValidatingWebhookConfiguration) {
			v[0].Webhooks[0].Rules[0].Operations = v[0].Webhooks[0].Rules[0].Operations[:2]
			return m, v
		}, "does not cover approvalrequests for CREATE, UPDATE, DELETE"},
		{"an empty selector selects everything", func(m []admissionregistrationv1.MutatingWebhookConfiguration, v []admissionregistrationv1.ValidatingWebhookConfiguration) ([]admissionregistrationv1.MutatingWebhookConfiguration, []admissionregistrationv1.ValidatingWebhookConfiguration) {
			v[0].Webhooks[0].NamespaceSelector = &metav1.LabelSelector{}
			return m, v
		}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, v := shipped(t)
			if c.change != nil {
				m, v = c.change(m, v)
			}
			ok, why := Evaluate(m, v)
			switch {
			case c.want == "" && !ok:
				t.Fatalf("not in force: %s", why)
			case c.want != "" && (ok || !strings.Contains(why, c.want)):
				t.Fatalf("Evaluate = %v, %q; want not in force, %q", ok, why, c.want)
			}
		})
	}
}

// A record is judged by the configurations' state at the revision it first appeared at.
func TestWrittenWhileAway(t *testing.T) {
	m := &Monitor{
		timeline:  []state{{rv: 100, inForce: true}, {rv: 200, inForce: false, why: "deleted"}, {rv: 300, inForce: true}},
		covered:   350,
		firstSeen: map[[32]byte]uint64{},
	}
	for _, c := range []struct {
		name string
		rv   uint64
		want bool
	}{
		{"before the operator started (as it found admission)", 50, false},
		{"while in force", 150, false},
		{"in the gap", 250, true},
		{"as the gap opened", 200, true},
		{"after it closed", 320, false},
	} {
		m.firstSeen[recordKey("uid", c.name)] = c.rv
		got, err := m.WrittenWhileAway(t.Context(), "uid", c.name)
		if err != nil || got != c.want {
			t.Errorf("%s: WrittenWhileAway = %v, %v; want %v", c.name, got, err, c.want)
		}
	}
	if _, err := m.WrittenWhileAway(t.Context(), "uid", "never seen"); err == nil {
		t.Error("a record the operator never saw appear was judged")
	}
}
