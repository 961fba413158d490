package controller_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/devenv"
	"github.com/tollgate-dev/tollgate/internal/notify"
	"github.com/tollgate-dev/tollgate/internal/smtptest"
	"github.com/tollgate-dev/tollgate/internal/stepfunctions"
)

// The Secrets notifications read, attacked: tollgate reads a Secret for a channel only where
// someone who may read it granted tollgate's service account `get` on it by name (RBAC's own
// escalation check makes that so). Neither a namespace's notifications administrator who may
// not read its Secrets, nor whoever acts as tollgate's service account, gets a Secret nobody
// granted.
var _ = Describe("Notification Secrets, attacked", func() {
	const (
		dbUser     = "app"
		dbPassword = "db-pa55word-of-the-team"
	)
	var ns string

	BeforeEach(func() {
		ns = createNamespace("secrets")
		By("the namespace keeps a Secret its notifications administrator may not read")
		Expect(k8sClient.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "db"},
			StringData: map[string]string{"username": dbUser, "password": dbPassword}})).To(Succeed())
	})

	// attacker is the namespace's notifications administrator, who may also create Secrets,
	// Roles and RoleBindings there, but not read a Secret.
	attacker := func() client.Client {
		c := notificationsAdmin(ns)
		role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "writes-secrets-and-rbac"}, Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"create"}},
			{APIGroups: []string{rbacv1.GroupName}, Resources: []string{"roles", "rolebindings"}, Verbs: []string{"create"}},
		}}
		Expect(k8sClient.Create(ctx, role)).To(Succeed())
		Expect(k8sClient.Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "writes-secrets-and-rbac"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name},
			Subjects: devenv.Users(notificationsAdminUser)})).To(Succeed())
		Expect(env.ControlPlane.WaitAllowedTo(ctx, notificationsAdminUser, nil,
			devenv.Resource(ns, "", "secrets", "", "create"))).To(Succeed())
		err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "db"}, &corev1.Secret{})
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "the attacker may not read the Secret: %v", err)
		return c
	}

	It("a notifications administrator who may not read a Secret cannot have tollgate log in with it to a server of their own", func() {
		evil := attacker()
		server := smtptest.Start(GinkgoTB(), smtptest.Options{TLS: smtptest.StartTLS, Mechanisms: []string{"PLAIN", "LOGIN"},
			Username: dbUser, Password: dbPassword})
		Expect(evil.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "my-ca"},
			StringData: map[string]string{"ca.crt": string(server.CA)}})).To(Succeed())
		host, port := splitHostPort(server.Addr)
		Expect(evil.Create(ctx, &v1.NotificationConfig{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "team"},
			Spec: v1.NotificationConfigSpec{
				Channels: []v1.NotificationChannel{{Name: "mail", Email: &v1.EmailChannel{Host: host, Port: port, TLS: v1.EmailStartTLS,
					From: "tollgate@example.com", CredentialsSecretRef: &v1.SecretReference{Name: "db"}, CASecretRef: &v1.SecretReference{Name: "my-ca"}}}},
				Recipients: []v1.NotificationRecipient{{User: person("alice"), Email: person("alice")}},
				Routes:     []v1.NotificationRoute{{Name: notify.DefaultRoute, Channels: []string{"mail"}}},
			},
		})).To(Succeed())

		By("the attacker cannot grant tollgate the Secret either: RBAC refuses a grant of what they do not hold")
		err := evil.Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "tollgate-notification-secrets"}, Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"secrets"}, ResourceNames: []string{"db", "my-ca"}, Verbs: []string{"get"}}}})
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "a Role granting get on the Secret: %v", err)
		// cluster-admin, bound in the namespace: a ClusterRole with rules of its own (the test
		// control plane runs no controller manager, so aggregated roles such as edit are empty).
		err = evil.Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "tollgate-admin"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: devenv.OperatorNamespace, Name: devenv.OperatorServiceAccount}}})
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "binding cluster-admin to tollgate in the namespace: %v", err)

		startOperatorWith(stepfunctions.Wrap(sfnLocal.client, nil), nil)
		key := newRequest(ns, "deploy", []string{"alice"}, 0)
		waitTokens(key, 1)

		channel := "NotificationConfig/team/mail"
		var rec *v1.NotificationRecord
		Eventually(func(g Gomega) {
			rec = record(getRequest(key), "alice", notify.DefaultRoute, channel)
			g.Expect(rec).NotTo(BeNil(), "no record of the attempt")
			g.Expect(rec.Failure).NotTo(Equal(v1.NotificationInFlight))
		}, settle, 50*time.Millisecond).Should(Succeed())

		By("the attacker's server was never logged in to, and got nothing")
		for _, s := range server.Sessions() {
			Expect(s.AuthUser).To(BeEmpty(), "tollgate logged in to the attacker's server with the namespace's Secret")
			for _, l := range s.Lines {
				Expect(l.Text).NotTo(HavePrefix("AUTH"), "tollgate sent credentials to the attacker's server")
			}
		}
		Expect(server.Mails()).To(BeEmpty())

		By("the attempt is recorded failed, with a Warning saying tollgate may not read the Secret")
		Expect(rec.Failure).To(ContainSubstring("may not read the Secret " + ns + "/"))
		Eventually(func() []string { return eventNotes(key, v1.ReasonNotificationFailed) }, settle).Should(
			ContainElement(ContainSubstring("may not read the Secret")))
	})

	It("whoever acts as tollgate's service account reads no Secret nobody granted it, in a namespace or in tollgate's own", func() {
		operator := as(devenv.OperatorUsername, devenv.OperatorGroups...)
		err := operator.Get(ctx, client.ObjectKey{Namespace: ns, Name: "db"}, &corev1.Secret{})
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "tollgate's identity read a namespace's Secret: %v", err)

		central := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: devenv.OperatorNamespace, GenerateName: "central-"},
			StringData: map[string]string{"password": dbPassword}}
		Expect(k8sClient.Create(ctx, central)).To(Succeed())
		DeferCleanup(func() { Expect(client.IgnoreNotFound(k8sClient.Delete(ctx, central))).To(Succeed()) })
		err = operator.Get(ctx, client.ObjectKeyFromObject(central), &corev1.Secret{})
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "tollgate's identity read a Secret of its namespace nobody granted: %v", err)

		By("a grant by someone who may read the Secret lets tollgate read that Secret, and no other")
		Expect(env.ControlPlane.GrantSecrets(ctx, ns, "db")).To(Succeed())
		Expect(operator.Get(ctx, client.ObjectKey{Namespace: ns, Name: "db"}, &corev1.Secret{})).To(Succeed())
		Expect(k8sClient.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "other"},
			StringData: map[string]string{"password": dbPassword}})).To(Succeed())
		err = operator.Get(ctx, client.ObjectKey{Namespace: ns, Name: "other"}, &corev1.Secret{})
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "a grant of one Secret let tollgate read another: %v", err)
		err = operator.List(ctx, &corev1.SecretList{}, client.InNamespace(ns))
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "tollgate's identity listed Secrets: %v", err)
	})
})
