package notify

import (
	"errors"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// Channels of the resolver's tables.
var (
	mailChannel = v1.NotificationChannel{Name: "mail", Email: &v1.EmailChannel{Host: "smtp.example.com", Port: 587, TLS: v1.EmailStartTLS, From: "tollgate@example.com"}}
	hookChannel = v1.NotificationChannel{Name: "hook", Webhook: &v1.WebhookChannel{URL: "https://hooks.example.com/t", SigningSecretRef: v1.SecretReference{Name: "hook"}}}
)

// namespaced is payments' NotificationConfig "team".
func namespaced(spec v1.NotificationConfigSpec) v1.NotificationConfig {
	return v1.NotificationConfig{ObjectMeta: metav1.ObjectMeta{Name: "team", Namespace: "payments"}, Spec: spec}
}

func central(name string, sel *metav1.LabelSelector, spec v1.NotificationConfigSpec) v1.ClusterNotificationConfig {
	return v1.ClusterNotificationConfig{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: v1.ClusterNotificationConfigSpec{NamespaceSelector: sel, NotificationConfigSpec: spec}}
}

// dest is a destination as the tables write it: "<route> <channel> <secret namespace> <to...> <link>".
func dest(d Destination) string {
	return strings.Join(slices.Concat([]string{d.Route, d.Channel, string(d.Type), d.SecretNamespace}, d.To, []string{d.Link}), " ")
}

func TestResolve(t *testing.T) {
	waiting, err := Waiting(request(), "security", "alice@example.com", received)
	if err != nil {
		t.Fatal(err)
	}
	waitingBob, err := Waiting(request(), "bob", "alice@example.com", received)
	if err != nil {
		t.Fatal(err)
	}
	ended := Ended(request(), "alice@example.com", "", ended)
	people := []v1.NotificationRecipient{
		{User: "carol@example.com", Email: "carol@example.com"},
		{Group: "security-oncall", Email: "security-oncall@lists.example.com"},
		{User: "alice@example.com", Email: "alice@example.com"},
	}
	mailRoute := v1.NotificationConfigSpec{Channels: []v1.NotificationChannel{mailChannel}, Recipients: people, Routes: []v1.NotificationRoute{{Name: "default", Channels: []string{"mail"}}}}
	link := "https://console.example.com/{namespace}/{name}"
	everywhere := &metav1.LabelSelector{}
	audited := &metav1.LabelSelector{MatchLabels: map[string]string{"tollgate.dev/audit": "true"}}

	for _, tc := range []struct {
		name       string
		m          Message
		route      string
		labels     map[string]string
		namespaced []v1.NotificationConfig
		cluster    []v1.ClusterNotificationConfig
		want       []string
		unreached  []string
		problems   []string
		err        error
	}{
		{name: "no object: no notification, no error", m: waiting},
		{
			name: "a slot's users and groups by e-mail, with the object's link", m: waiting,
			namespaced: []v1.NotificationConfig{namespaced(v1.NotificationConfigSpec{Channels: mailRoute.Channels, Recipients: people, Routes: mailRoute.Routes, Link: link})},
			want:       []string{"default NotificationConfig/team/mail email payments carol@example.com security-oncall@lists.example.com https://console.example.com/payments/deploy-v42"},
		},
		{
			name: "the requester when the request ends", m: ended,
			namespaced: []v1.NotificationConfig{namespaced(mailRoute)},
			want:       []string{"default NotificationConfig/team/mail email payments alice@example.com "},
		},
		{
			name: "people without an address are named, and a channel that reaches no one is not a destination", m: waitingBob,
			namespaced: []v1.NotificationConfig{namespaced(mailRoute)},
			unreached:  []string{"NotificationConfig/team/mail: user bob@example.com"},
		},
		{
			name: "a slot's channels add to the route's, for that slot only", m: waiting,
			namespaced: []v1.NotificationConfig{namespaced(v1.NotificationConfigSpec{
				Channels: []v1.NotificationChannel{mailChannel, hookChannel}, Recipients: people,
				Routes: []v1.NotificationRoute{{Name: "default", Channels: []string{"mail"}, Slots: []v1.SlotRoute{{Name: "security", Channels: []string{"hook", "mail"}}}}},
			})},
			want: []string{
				"default NotificationConfig/team/hook webhook payments ",
				"default NotificationConfig/team/mail email payments carol@example.com security-oncall@lists.example.com ",
			},
		},
		{
			name: "another slot's channels are not this slot's", m: waitingBob,
			namespaced: []v1.NotificationConfig{namespaced(v1.NotificationConfigSpec{
				Channels: []v1.NotificationChannel{hookChannel}, Routes: []v1.NotificationRoute{{Name: "default", Slots: []v1.SlotRoute{{Name: "security", Channels: []string{"hook"}}}}},
			})},
		},
		{
			name: "the end goes through the channels of every slot the request has", m: ended,
			namespaced: []v1.NotificationConfig{namespaced(v1.NotificationConfigSpec{
				Channels: []v1.NotificationChannel{hookChannel}, Routes: []v1.NotificationRoute{{Name: "default", Slots: []v1.SlotRoute{{Name: "security", Channels: []string{"hook"}}, {Name: "absent", Channels: []string{"hook"}}}}},
			})},
			want: []string{"default NotificationConfig/team/hook webhook payments "},
		},
		{
			name: "a route the request picks", m: waiting, route: "urgent",
			namespaced: []v1.NotificationConfig{namespaced(v1.NotificationConfigSpec{
				Channels: []v1.NotificationChannel{mailChannel, hookChannel}, Recipients: people,
				Routes: []v1.NotificationRoute{{Name: "default", Channels: []string{"mail"}}, {Name: "urgent", Channels: []string{"hook"}}},
			})},
			want: []string{"urgent NotificationConfig/team/hook webhook payments "},
		},
		{
			name: "a route no object defines is an error", m: waiting, route: "nowhere",
			namespaced: []v1.NotificationConfig{namespaced(mailRoute)},
			err:        ErrNoRoute,
		},
		{
			name: "central objects that select the namespace, with their Secrets in the operator's namespace", m: waiting,
			labels: map[string]string{"tollgate.dev/audit": "true"},
			cluster: []v1.ClusterNotificationConfig{
				central("audit", audited, v1.NotificationConfigSpec{Channels: []v1.NotificationChannel{hookChannel}, Routes: []v1.NotificationRoute{{Name: "default", Channels: []string{"hook"}}}, Link: link}),
				central("elsewhere", &metav1.LabelSelector{MatchLabels: map[string]string{"team": "other"}}, v1.NotificationConfigSpec{Channels: []v1.NotificationChannel{hookChannel}, Routes: []v1.NotificationRoute{{Name: "default", Channels: []string{"hook"}}}}),
			},
			want: []string{"default ClusterNotificationConfig/audit/hook webhook tollgate-system https://console.example.com/payments/deploy-v42"},
		},
		{
			name: "a namespace's mail reaches people by central recipients too, and takes the central link", m: waiting,
			namespaced: []v1.NotificationConfig{namespaced(v1.NotificationConfigSpec{Channels: mailRoute.Channels, Routes: mailRoute.Routes})},
			cluster: []v1.ClusterNotificationConfig{
				central("directory", everywhere, v1.NotificationConfigSpec{Channels: []v1.NotificationChannel{hookChannel}, Recipients: people, Routes: []v1.NotificationRoute{{Name: "unused", Channels: []string{"hook"}}}, Link: link}),
			},
			want: []string{"default NotificationConfig/team/mail email payments carol@example.com security-oncall@lists.example.com https://console.example.com/payments/deploy-v42"},
		},
		{
			name: "a central channel never mails the addresses a namespace gives", m: waiting,
			namespaced: []v1.NotificationConfig{namespaced(v1.NotificationConfigSpec{
				Channels: []v1.NotificationChannel{hookChannel}, Routes: []v1.NotificationRoute{{Name: "unused", Channels: []string{"hook"}}},
				Recipients: []v1.NotificationRecipient{{Group: "security-oncall", Email: "attacker@evil.example.com"}, {User: "carol@example.com", Email: "attacker@evil.example.com"}},
			})},
			cluster:   []v1.ClusterNotificationConfig{central("central-mail", nil, v1.NotificationConfigSpec{Channels: []v1.NotificationChannel{mailChannel}, Routes: mailRoute.Routes})},
			unreached: []string{"ClusterNotificationConfig/central-mail/mail: group security-oncall", "ClusterNotificationConfig/central-mail/mail: user carol@example.com"},
		},
		{
			name: "a selector the schema should have refused is a problem, and selects nothing", m: waiting,
			cluster: []v1.ClusterNotificationConfig{central("broken", &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "a", Operator: "Sometimes"}}},
				v1.NotificationConfigSpec{Channels: []v1.NotificationChannel{hookChannel}, Routes: []v1.NotificationRoute{{Name: "default", Channels: []string{"hook"}}}})},
			problems: []string{`ClusterNotificationConfig/broken: namespaceSelector: "Sometimes" is not a valid label selector operator`},
		},
		{
			name: "a route naming a channel that does not exist is a problem", m: waiting,
			namespaced: []v1.NotificationConfig{namespaced(v1.NotificationConfigSpec{Channels: []v1.NotificationChannel{hookChannel}, Routes: []v1.NotificationRoute{{Name: "default", Channels: []string{"gone", "hook"}}}})},
			want:       []string{"default NotificationConfig/team/hook webhook payments "},
			problems:   []string{"NotificationConfig/team: route default names no channel gone"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Resolve(tc.m, tc.route, Configs{Namespace: "payments", Labels: tc.labels, Namespaced: tc.namespaced, Cluster: tc.cluster, OperatorNamespace: "tollgate-system"})
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("error %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range res.Destinations {
				got = append(got, dest(d))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("destinations\n%q\nwant\n%q", got, tc.want)
			}
			if !slices.Equal(res.Unreached, tc.unreached) {
				t.Errorf("unreached %q, want %q", res.Unreached, tc.unreached)
			}
			if !slices.Equal(res.Problems, tc.problems) {
				t.Errorf("problems %q, want %q", res.Problems, tc.problems)
			}
		})
	}
}

// The e-mail a request gives its slots (spec.approvers[].email, for the state machine's own
// notifications) is the request's word, not an administrator's: the notifier never sends to it.
func TestResolve_IgnoresAddressesARequestGives(t *testing.T) {
	req := request()
	req.Spec.Approvers[0].Email = "attacker@evil.example.com"
	m, err := Waiting(req, "security", "alice@example.com", received)
	if err != nil {
		t.Fatal(err)
	}
	spec := v1.NotificationConfigSpec{Channels: []v1.NotificationChannel{mailChannel}, Routes: []v1.NotificationRoute{{Name: "default", Channels: []string{"mail"}}}}
	res, err := Resolve(m, "", Configs{Namespace: "payments", Namespaced: []v1.NotificationConfig{namespaced(spec)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Destinations) != 0 {
		t.Errorf("destinations %v: the request's own address was used", res.Destinations)
	}
	if want := []string{"NotificationConfig/team/mail: group security-oncall", "NotificationConfig/team/mail: user carol@example.com"}; !slices.Equal(res.Unreached, want) {
		t.Errorf("unreached %q, want %q", res.Unreached, want)
	}
}
