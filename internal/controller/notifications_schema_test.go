package controller_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/devenv"
)

// The people who configure notifications: a namespace's administrator, and a cluster's.
const (
	notificationsAdminUser        = "team-admin@example.com"
	clusterNotificationsAdminUser = "cluster-admin@example.com"
)

// notificationsAdmin is a client acting as ns's notifications administrator (config/rbac's
// role bound in ns).
func notificationsAdmin(ns string) client.Client {
	cp := env.ControlPlane
	Expect(cp.Grant(ctx, devenv.RoleNotificationsAdmin, ns, devenv.Users(notificationsAdminUser)...)).To(Succeed())
	return as(notificationsAdminUser)
}

// clusterNotificationsAdmin is a client acting as the cluster's notifications administrator.
func clusterNotificationsAdmin() client.Client {
	cp := env.ControlPlane
	Expect(cp.Grant(ctx, devenv.RoleClusterNotificationsAdmin, "", devenv.Users(clusterNotificationsAdminUser)...)).To(Succeed())
	return as(clusterNotificationsAdminUser)
}

// notificationConfigYAML wraps a spec fragment into a NotificationConfig named team.
func notificationConfigYAML(spec string) string {
	return objectYAML("NotificationConfig", "team", spec)
}

// A webhook channel and a route through it, to build bad objects from.
const hookSpec = `
  channels:
  - name: hook
    webhook: {url: "https://hooks.example.com/t", signingSecretRef: {name: hook}}
  routes:
  - {name: default, channels: [hook]}`

// Where notifications go is the administrators' word: their objects are checked as strictly as
// requests, a request has no field to name a destination, and only they may write the objects.
var _ = Describe("Notification routing", func() {
	var ns string

	BeforeEach(func() {
		ns = createNamespace("notify")
	})

	DescribeTable("refuses a bad NotificationConfig, naming the field",
		func(spec string, wantField, wantMessage string) {
			expectRefusal(createYAML(ns, notificationConfigYAML(spec)), wantField, wantMessage)
		},
		Entry("a channel of no kind", `
  channels: [{name: nothing}]
  routes: [{name: default, channels: [nothing]}]`, "spec.channels[0]", "a channel is exactly one of email or webhook"),
		Entry("a channel of two kinds", `
  channels:
  - name: both
    webhook: {url: "https://hooks.example.com/t", signingSecretRef: {name: hook}}
    email: {host: smtp.example.com, port: 587, from: tollgate@example.com}
  routes: [{name: default, channels: [both]}]`, "spec.channels[0]", "a channel is exactly one of email or webhook"),
		Entry("a webhook over plain HTTP", `
  channels: [{name: hook, webhook: {url: "http://hooks.example.com/t", signingSecretRef: {name: hook}}}]
  routes: [{name: default, channels: [hook]}]`, "spec.channels[0].webhook.url", "url must be an https URL without credentials"),
		Entry("credentials in a webhook's URL", `
  channels: [{name: hook, webhook: {url: "https://user:pass@hooks.example.com/t", signingSecretRef: {name: hook}}}]
  routes: [{name: default, channels: [hook]}]`, "spec.channels[0].webhook.url", "url must be an https URL without credentials"),
		Entry("a webhook without a signing secret", `
  channels: [{name: hook, webhook: {url: "https://hooks.example.com/t"}}]
  routes: [{name: default, channels: [hook]}]`, "spec.channels[0].webhook.signingSecretRef", "Required value"),
		Entry("SMTP credentials without TLS", `
  channels:
  - name: mail
    email: {host: smtp.example.com, port: 25, tls: None, from: tollgate@example.com, credentialsSecretRef: {name: smtp}}
  routes: [{name: default, channels: [mail]}]`, "spec.channels[0].email.credentialsSecretRef", "credentials are only sent over TLS"),
		Entry("a sender that is not an address", `
  channels:
  - name: mail
    email: {host: smtp.example.com, port: 587, from: "Tollgate <tollgate@example.com>"}
  routes: [{name: default, channels: [mail]}]`, "spec.channels[0].email.from", "should match"),
		Entry("a TLS mode that is none of the three", `
  channels:
  - name: mail
    email: {host: smtp.example.com, port: 587, tls: Opportunistic, from: tollgate@example.com}
  routes: [{name: default, channels: [mail]}]`, "spec.channels[0].email.tls", `supported values: "StartTLS", "Implicit", "None"`),
		Entry("a route through a channel the object does not define", `
  channels: [{name: hook, webhook: {url: "https://hooks.example.com/t", signingSecretRef: {name: hook}}}]
  routes: [{name: default, channels: [hook, elsewhere]}]`, "spec.routes", "a route names a channel that spec.channels does not define"),
		Entry("a slot's route through a channel the object does not define", `
  channels: [{name: hook, webhook: {url: "https://hooks.example.com/t", signingSecretRef: {name: hook}}}]
  routes: [{name: default, slots: [{name: security, channels: [elsewhere]}]}]`, "spec.routes", "a slot route names a channel that spec.channels does not define"),
		Entry("a route through no channel", `
  channels: [{name: hook, webhook: {url: "https://hooks.example.com/t", signingSecretRef: {name: hook}}}]
  routes: [{name: default}]`, "spec.routes[0]", "a route sends through at least one channel"),
		Entry("two channels of one name", `
  channels:
  - {name: hook, webhook: {url: "https://hooks.example.com/t", signingSecretRef: {name: hook}}}
  - {name: hook, webhook: {url: "https://hooks.example.com/u", signingSecretRef: {name: hook}}}
  routes: [{name: default, channels: [hook]}]`, "spec.channels[1]", "Duplicate value"),
		Entry("a recipient who is a user and a group", hookSpec+`
  recipients: [{user: alice@example.com, group: sre, email: alice@example.com}]`, "spec.recipients[0]", "a recipient is exactly one of user or group"),
		Entry("a recipient without an address", hookSpec+`
  recipients: [{group: sre}]`, "spec.recipients[0]", "a recipient needs an address: email"),
		Entry("a recipient's address that is not one", hookSpec+`
  recipients: [{group: sre, email: "sre@example.com\r\nBcc: everyone@example.com"}]`, "spec.recipients[0].email", "should match"),
		Entry("a link over plain HTTP", hookSpec+`
  link: "http://console.example.com/{namespace}/{name}"`, "spec.link", "link must be an https URL"),
		Entry("a link with a placeholder in its host", hookSpec+`
  link: "https://{namespace}.example.com/{name}"`, "spec.link", "link must be an https URL"),
		Entry("a link with a placeholder tollgate does not fill", hookSpec+`
  link: "https://console.example.com/{uid}"`, "spec.link", "link must be an https URL"),
		Entry("a Secret name that is not one", `
  channels: [{name: hook, webhook: {url: "https://hooks.example.com/t", signingSecretRef: {name: ../other}}}]
  routes: [{name: default, channels: [hook]}]`, "spec.channels[0].webhook.signingSecretRef.name", "should match"),
		Entry("no route", `
  channels: [{name: hook, webhook: {url: "https://hooks.example.com/t", signingSecretRef: {name: hook}}}]`, "spec.routes", "Required value"),
	)

	It("has no field by which a Secret reference names another namespace", func() {
		doc := notificationConfigYAML(`
  channels: [{name: hook, webhook: {url: "https://hooks.example.com/t", signingSecretRef: {name: hook, namespace: tollgate-system}}}]
  routes: [{name: default, channels: [hook]}]`)
		objs := decodeYAML(doc)
		objs[0].SetNamespace(ns)
		err := k8sClient.Create(ctx, objs[0].DeepCopy(), client.FieldValidation("Strict"))
		Expect(err).To(MatchError(ContainSubstring(`unknown field "spec.channels[0].webhook.signingSecretRef.namespace"`)))
		By("and a client that does not ask for strict validation has the field dropped, never kept")
		Expect(k8sClient.Create(ctx, objs[0])).To(Succeed())
		stored := &v1.NotificationConfig{}
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "team"}, stored)).To(Succeed())
		Expect(stored.Spec.Channels[0].Webhook.SigningSecretRef).To(Equal(v1.SecretReference{Name: "hook"}))
	})

	It("has no field by which a request names where its notifications go", func() {
		for _, spec := range []string{`
  description: d
  approvers: [{name: alice, users: [a]}]
  notifications: {webhook: {url: "https://attacker.example.com/steal"}}`, `
  description: d
  approvers: [{name: alice, users: [a], webhook: "https://attacker.example.com/steal"}]`, `
  description: d
  approvers: [{name: alice, users: [a]}]
  policy: {notify: ["attacker@evil.example.com"]}`, `
  description: d
  approvers: [{name: alice, users: [a]}]
  notification: {route: default, url: "https://attacker.example.com/steal"}`, `
  description: d
  approvers: [{name: alice, users: [a]}]
  notification: {route: default, email: {to: "attacker@evil.example.com"}}`, `
  description: d
  approvers: [{name: alice, users: [a]}]
  notification: {channel: NotificationConfig/team/mail}`} {
			objs := decodeYAML(approvalRequestYAML(spec))
			objs[0].SetNamespace(ns)
			err := as(requesterUser).Create(ctx, objs[0], client.FieldValidation("Strict"))
			Expect(err).To(MatchError(ContainSubstring("unknown field")), "spec:%s", spec)
		}
	})

	It("lets a namespace's notifications administrators write its NotificationConfigs, and no requester or approver", func() {
		obj := decodeYAML(notificationConfigYAML(hookSpec))[0]
		obj.SetNamespace(ns)
		for _, c := range []client.Client{as(requesterUser), as(person("alice"), approversGroup)} {
			Expect(apierrors.IsForbidden(c.Create(ctx, obj.DeepCopy()))).To(BeTrue())
		}
		admin := notificationsAdmin(ns)
		Expect(admin.Create(ctx, obj)).To(Succeed())

		By("a requester cannot change or delete it either")
		Expect(apierrors.IsForbidden(as(requesterUser).Delete(ctx, obj))).To(BeTrue())
		patch := client.RawPatch("application/merge-patch+json", []byte(`{"spec":{"link":"https://attacker.example.com/{name}"}}`))
		Expect(apierrors.IsForbidden(as(requesterUser).Patch(ctx, obj.DeepCopy(), patch))).To(BeTrue())

		By("nor does the namespace's administrator reach another namespace, or the central objects")
		other := createNamespace("notify-other")
		elsewhere := obj.DeepCopy()
		elsewhere.SetNamespace(other)
		elsewhere.SetResourceVersion("")
		Expect(apierrors.IsForbidden(admin.Create(ctx, elsewhere))).To(BeTrue())
		central := clusterConfig("team-central")
		Expect(apierrors.IsForbidden(admin.Create(ctx, central))).To(BeTrue())
	})

	It("lets the cluster's notifications administrators write ClusterNotificationConfigs", func() {
		central := clusterConfig("central-" + ns)
		Expect(apierrors.IsForbidden(as(requesterUser).Create(ctx, central.DeepCopy()))).To(BeTrue())
		admin := clusterNotificationsAdmin()
		Expect(admin.Create(ctx, central)).To(Succeed())
		DeferCleanup(func() { Expect(admin.Delete(ctx, central)).To(Succeed()) })

		By("its namespace selector is a label selector")
		bad := clusterConfig("bad-" + ns)
		Expect(unstructured.SetNestedSlice(bad.Object, []any{map[string]any{"key": "team", "operator": "Sometimes"}}, "spec", "namespaceSelector", "matchExpressions")).To(Succeed())
		Expect(admin.Create(ctx, bad)).To(MatchError(And(ContainSubstring("spec.namespaceSelector"), ContainSubstring("each matchExpressions operator is In or NotIn"))))
	})
})

// clusterConfig is a ClusterNotificationConfig through a webhook.
func clusterConfig(name string) *unstructured.Unstructured {
	return decodeYAML(objectYAML("ClusterNotificationConfig", name, `
  namespaceSelector: {matchLabels: {tollgate.dev/audit: "true"}}`+hookSpec))[0]
}
