package controller_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/devenv"
	"github.com/tollgate-dev/tollgate/internal/notify"
	"github.com/tollgate-dev/tollgate/internal/operator"
	"github.com/tollgate-dev/tollgate/internal/stepfunctions"
)

// A NotificationConfig says whether its channels can send before any request needs them: the
// operator checks, as itself, every Secret they name (may it get it, does it exist, does it hold
// what the channel reads) when the config changes and again every --notification-config-recheck
// by its clock, and records the finding in the Ready condition — written only when it changed,
// only by the operator, never quoting a Secret's value.
var _ = Describe("Notification config readiness", func() {
	const (
		password   = "cfg-pa55word-never-shown"
		notSigning = "hunter2-not-a-signing-secret"
		recheck    = time.Minute
	)
	var (
		ns    string
		clock *clocktesting.FakeClock
		admin client.Client
	)

	BeforeEach(func() {
		ns = createNamespace("cfgready")
		clock = clocktesting.NewFakeClock(time.Now())
		admin = notificationsAdmin(ns)
		startOperatorWith(stepfunctions.Wrap(sfnLocal.client, nil), func(c *operator.Config) {
			c.Notifications.Clock = clock
			c.Notifications.ConfigRecheck = recheck
		})
	})

	secret := func(name string, data map[string]string) {
		Expect(k8sClient.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, StringData: data})).To(Succeed())
	}
	mailVia := func(creds string) v1.NotificationChannel {
		return v1.NotificationChannel{Name: "mail", Email: &v1.EmailChannel{Host: "smtp.example.com", Port: 587, From: "tollgate@example.com",
			CredentialsSecretRef: &v1.SecretReference{Name: creds}}}
	}
	spec := func(ch v1.NotificationChannel) v1.NotificationConfigSpec {
		return v1.NotificationConfigSpec{Channels: []v1.NotificationChannel{ch}, Routes: []v1.NotificationRoute{{Name: notify.DefaultRoute, Channels: []string{ch.Name}}}}
	}
	create := func(name string, ch v1.NotificationChannel) client.ObjectKey {
		obj := &v1.NotificationConfig{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: spec(ch)}
		Expect(admin.Create(ctx, obj)).To(Succeed())
		return client.ObjectKeyFromObject(obj)
	}
	// ready waits until the config's Ready condition has reason, and returns the config.
	ready := func(key client.ObjectKey, obj client.Object, reason string) client.Object {
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, key, obj)).To(Succeed())
			cond := meta.FindStatusCondition(conditionsOf(obj), v1.ConditionReady)
			g.Expect(cond).NotTo(BeNil(), "no Ready condition")
			g.Expect(cond.Reason).To(Equal(reason), cond.Message)
			g.Expect(cond.ObservedGeneration).To(Equal(obj.GetGeneration()))
		}, settle, 50*time.Millisecond).Should(Succeed())
		return obj
	}
	readyOf := func(obj client.Object) *metav1.Condition {
		return meta.FindStatusCondition(conditionsOf(obj), v1.ConditionReady)
	}

	It("names a Secret tollgate may not read and says what to do; once granted, the next check finds it Ready; nothing is written while nothing changed", func() {
		secret("smtp", map[string]string{"username": "tollgate", "password": password})
		secret("witness", map[string]string{"username": "tollgate", "password": password})
		key := create("team", mailVia("smtp"))
		witness := create("witness", mailVia("witness"))

		obj := ready(key, &v1.NotificationConfig{}, v1.ReasonSecretNotGranted)
		cond := readyOf(obj)
		Expect(cond.Status).To(Equal(metav1.ConditionFalse))
		Expect(cond.Message).To(And(ContainSubstring("channel mail"), ContainSubstring("tollgate may not read the Secret "+ns+"/smtp"),
			ContainSubstring("grants tollgate's service account get on it, by name")))
		Expect(obj.(*v1.NotificationConfig).Status.ObservedGeneration).To(Equal(obj.GetGeneration()))
		ready(witness, &v1.NotificationConfig{}, v1.ReasonSecretNotGranted)

		By("a recheck that finds the same writes nothing (the witness, granted meanwhile, shows the recheck came)")
		Expect(env.ControlPlane.GrantSecrets(ctx, ns, "witness")).To(Succeed())
		version := obj.GetResourceVersion()
		clock.Step(recheck + time.Second)
		ready(witness, &v1.NotificationConfig{}, v1.ReasonChannelsReady)
		Consistently(func() string {
			Expect(k8sClient.Get(ctx, key, obj)).To(Succeed())
			return obj.GetResourceVersion()
		}, 2*time.Second, 100*time.Millisecond).Should(Equal(version), "a recheck that found nothing new wrote the status")
		Expect(readyOf(obj).LastTransitionTime).To(Equal(cond.LastTransitionTime))

		By("nothing is checked again before the period: the grant is not seen yet")
		Expect(env.ControlPlane.GrantSecrets(ctx, ns, "smtp")).To(Succeed())
		Consistently(func() string {
			Expect(k8sClient.Get(ctx, key, obj)).To(Succeed())
			return readyOf(obj).Reason
		}, 2*time.Second, 100*time.Millisecond).Should(Equal(v1.ReasonSecretNotGranted))

		By("after the grant and the period, Ready")
		clock.Step(recheck + time.Second)
		ready(key, obj, v1.ReasonChannelsReady)
		Expect(readyOf(obj).Status).To(Equal(metav1.ConditionTrue))
		Expect(readyOf(obj).LastTransitionTime.Time).To(BeTemporally("~", clock.Now(), time.Second), "the transition is timed by the operator's clock")

		By("no condition and no event quotes the Secret's value")
		Expect(readyOf(obj).Message).NotTo(ContainSubstring(password))
		var events eventsv1.EventList
		Expect(k8sClient.List(ctx, &events, client.InNamespace(ns))).To(Succeed())
		for _, e := range events.Items {
			Expect(e.Note).NotTo(ContainSubstring(password), "event %s", e.Name)
		}
	})

	It("gives each problem of a Secret its reason, at once; a config that names no Secret is Ready", func() {
		secret("no-password", map[string]string{"username": "tollgate"})
		secret("hook", map[string]string{"secret": notSigning})
		Expect(env.ControlPlane.GrantSecrets(ctx, ns, "absent", "no-password", "hook")).To(Succeed())
		hook := v1.NotificationChannel{Name: "hook", Webhook: &v1.WebhookChannel{URL: "https://hooks.example.com/t", SigningSecretRef: v1.SecretReference{Name: "hook"}}}
		relay := v1.NotificationChannel{Name: "relay", Email: &v1.EmailChannel{Host: "localhost", Port: 25, TLS: v1.EmailNoTLS, From: "tollgate@example.com"}}
		for _, tc := range []struct {
			name    string
			channel v1.NotificationChannel
			reason  string
			message string
		}{
			{"missing", mailVia("absent"), v1.ReasonSecretMissing, "channel mail (email.credentialsSecretRef): the Secret " + ns + "/absent does not exist"},
			{"no-key", mailVia("no-password"), v1.ReasonSecretKeyMissing, "the Secret " + ns + `/no-password has no key "password"`},
			{"malformed", hook, v1.ReasonSecretInvalid, "channel hook (webhook.signingSecretRef): the Secret " + ns + "/hook cannot be used: the signing secret is not of the form whsec_"},
			{"relay", relay, v1.ReasonChannelsReady, "the channels name no Secret"},
		} {
			By(tc.name)
			obj := ready(create(tc.name, tc.channel), &v1.NotificationConfig{}, tc.reason)
			Expect(readyOf(obj).Message).To(ContainSubstring(tc.message))
			Expect(readyOf(obj).Message).NotTo(ContainSubstring(notSigning))
			want := metav1.ConditionFalse
			if tc.reason == v1.ReasonChannelsReady {
				want = metav1.ConditionTrue
			}
			Expect(readyOf(obj).Status).To(Equal(want))
		}

		By("a fixed Secret is Ready after the next check")
		hookSecret := &corev1.Secret{}
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "hook"}, hookSecret)).To(Succeed())
		hookSecret.Data = map[string][]byte{"secret": []byte("whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 32)))}
		Expect(k8sClient.Update(ctx, hookSecret)).To(Succeed())
		clock.Step(recheck + time.Second)
		ready(client.ObjectKey{Namespace: ns, Name: "malformed"}, &v1.NotificationConfig{}, v1.ReasonChannelsReady)
	})

	It("checks a ClusterNotificationConfig's Secrets in tollgate's namespace, and a changed spec at once", func() {
		central := &v1.ClusterNotificationConfig{ObjectMeta: metav1.ObjectMeta{GenerateName: "central-"}, Spec: v1.ClusterNotificationConfigSpec{
			// selects no namespace: other specs' requests are not routed by it
			NamespaceSelector:      &metav1.LabelSelector{MatchLabels: map[string]string{"tollgate.dev/test-selects": "none"}},
			NotificationConfigSpec: spec(mailVia("central-smtp-not-granted")),
		}}
		Expect(clusterNotificationsAdmin().Create(ctx, central)).To(Succeed())
		DeferCleanup(func() { Expect(client.IgnoreNotFound(k8sClient.Delete(ctx, central))).To(Succeed()) })
		key := client.ObjectKeyFromObject(central)
		obj := ready(key, &v1.ClusterNotificationConfig{}, v1.ReasonSecretNotGranted)
		Expect(readyOf(obj).Message).To(ContainSubstring("the Secret " + devenv.OperatorNamespace + "/central-smtp-not-granted"))

		By("a spec that names no Secret any more is Ready without waiting for a recheck")
		c := obj.(*v1.ClusterNotificationConfig)
		c.Spec.Channels[0].Email.CredentialsSecretRef = nil
		Expect(clusterNotificationsAdmin().Update(ctx, c)).To(Succeed())
		obj = ready(key, &v1.ClusterNotificationConfig{}, v1.ReasonChannelsReady)
		Expect(obj.GetGeneration()).To(BeEquivalentTo(2))
	})

	It("is the operator's alone: a notifications administrator cannot write the status", func() {
		key := create("team", mailVia("smtp"))
		obj := ready(key, &v1.NotificationConfig{}, v1.ReasonSecretNotGranted).(*v1.NotificationConfig)

		forged := obj.DeepCopy()
		meta.SetStatusCondition(&forged.Status.Conditions, metav1.Condition{Type: v1.ConditionReady, Status: metav1.ConditionTrue, Reason: v1.ReasonChannelsReady, Message: "forged"})
		err := admin.Status().Update(ctx, forged)
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "a notifications administrator wrote the status: %v", err)
		err = admin.Status().Patch(ctx, forged, client.MergeFrom(obj))
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "a notifications administrator patched the status: %v", err)

		By("an update of the object carries no status")
		forged = obj.DeepCopy()
		meta.SetStatusCondition(&forged.Status.Conditions, metav1.Condition{Type: v1.ConditionReady, Status: metav1.ConditionTrue, Reason: v1.ReasonChannelsReady, Message: "forged"})
		forged.Spec.Link = "https://console.example.com/{namespace}/{name}"
		Expect(admin.Update(ctx, forged)).To(Succeed())
		Expect(k8sClient.Get(ctx, key, obj)).To(Succeed())
		Expect(readyOf(obj).Message).NotTo(Equal("forged"))
	})

	It("shows READY in kubectl get, for both kinds", func() {
		relay := v1.NotificationChannel{Name: "mail", Email: &v1.EmailChannel{Host: "localhost", Port: 25, TLS: v1.EmailNoTLS, From: "tollgate@example.com"}}
		ready(create("relay", relay), &v1.NotificationConfig{}, v1.ReasonChannelsReady)
		ready(create("team", mailVia("smtp")), &v1.NotificationConfig{}, v1.ReasonSecretNotGranted)
		Expect(getTable("/namespaces/" + ns + "/notificationconfigs")).To(Equal([][]string{
			{"Name", "Ready", "Reason", "Age"}, {"relay", "True", v1.ReasonChannelsReady}, {"team", "False", v1.ReasonSecretNotGranted},
		}))
		Expect(getTable("/clusternotificationconfigs")[0]).To(Equal([]string{"Name", "Ready", "Reason", "Age"}))
	})
})

// conditionsOf are a notification config's conditions, of either kind.
func conditionsOf(obj client.Object) []metav1.Condition {
	switch o := obj.(type) {
	case *v1.NotificationConfig:
		return o.Status.Conditions
	case *v1.ClusterNotificationConfig:
		return o.Status.Conditions
	}
	Fail("no notification config")
	return nil
}

// getTable is what kubectl get shows of a list under tollgate's API path: the column names,
// then each row's cells but the last (its age).
func getTable(path string) [][]string {
	cfg := rest.CopyConfig(env.ControlPlane.Admin)
	cfg.NegotiatedSerializer = clientscheme.Codecs.WithoutConversion()
	rc, err := rest.UnversionedRESTClientFor(cfg)
	Expect(err).NotTo(HaveOccurred())
	body, err := rc.Get().AbsPath("/apis/"+v1.GroupVersion.String()+path).SetHeader("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").DoRaw(ctx)
	Expect(err).NotTo(HaveOccurred(), string(body))
	var table metav1.Table
	Expect(json.Unmarshal(body, &table)).To(Succeed())
	header := make([]string, 0, len(table.ColumnDefinitions))
	for _, c := range table.ColumnDefinitions {
		header = append(header, c.Name)
	}
	out := make([][]string, 0, 1+len(table.Rows))
	out = append(out, header)
	for _, r := range table.Rows {
		cells := make([]string, 0, len(r.Cells))
		for _, c := range r.Cells[:len(r.Cells)-1] {
			cells = append(cells, fmt.Sprint(c))
		}
		out = append(out, cells)
	}
	return out
}
