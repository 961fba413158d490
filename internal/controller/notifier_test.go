package controller_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	eventsv1 "k8s.io/api/events/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/notify"
	"github.com/tollgate-dev/tollgate/internal/operator"
)

// The notifier (internal/notifier) tells each slot's people once their decision is needed, and
// the requester how the request ended, through the channels a namespace's administrators
// configured, here reaching real protocol servers in process. It reacts to the ledger's status
// fields and records every attempt there; a failing or hanging channel delays no decision; a
// manager restart neither loses a notification nor sends one twice within its retry window.
var _ = Describe("Notifications", func() {
	var n *notifying

	BeforeEach(func() {
		n = newNotifying("notified")
	})

	// delivered waits until a slot's (or the end's) notification is recorded delivered through
	// route and channel, and returns the request.
	delivered := func(key client.ObjectKey, slot, route, channel string) *v1.ApprovalRequest {
		var obj *v1.ApprovalRequest
		Eventually(func(g Gomega) {
			obj = getRequest(key)
			rec := record(obj, slot, route, channel)
			g.Expect(rec).NotTo(BeNil(), "no record of %s through %s", slot, channel)
			g.Expect(rec.Failure).To(BeEmpty())
			g.Expect(rec.NextAttemptAt).To(BeNil())
		}, settle, 50*time.Millisecond).Should(Succeed())
		return obj
	}

	It("tells each slot's people once when their token arrives, and the requester how the request ended", func() {
		n.start()
		key := newRequest(n.ns, "deploy", []string{"alice", "bob"}, 0)
		obj := waitTokens(key, 2)
		tokens := []string{tokenOf(obj, "alice"), tokenOf(obj, "bob")}
		for _, slot := range []string{"alice", "bob"} {
			obj = delivered(key, slot, notify.DefaultRoute, mailChannel)
			delivered(key, slot, notify.DefaultRoute, hookChannel)
			rec := record(obj, slot, notify.DefaultRoute, mailChannel)
			Expect(rec.Attempts).To(BeEquivalentTo(1))
			Expect(rec.At.Time).To(BeTemporally("~", n.clock.Now(), time.Second))
		}

		By("each approver got one mail saying exactly how to decide; the webhook one event per slot")
		Consistently(func() int { return len(n.mails()) }, 2*time.Second).Should(Equal(2), "one mail per slot, never a second")
		for _, slot := range []string{"alice", "bob"} {
			mails := n.mailsTo(person(slot))
			Expect(mails).To(HaveLen(1))
			Expect(mails[0].Subject).To(ContainSubstring("Decision needed on " + n.ns + "/deploy"))
			Expect(mails[0].Body).To(And(
				ContainSubstring("test: deploy"), ContainSubstring(requesterUser),
				ContainSubstring("kubectl tollgate approve deploy -n "+n.ns+" --slot "+slot),
				ContainSubstring("kubectl annotate approvalrequest deploy -n "+n.ns+" approvals.tollgate.dev/"+slot+"=approve")))
		}
		Expect(n.hook.deliveries()).To(HaveLen(2))
		Expect(n.hook.refusals()).To(BeEmpty())
		Expect(eventReasons(key)).To(ContainElement(v1.ReasonNotified))

		By("the requester is told the outcome once the request ended")
		annotate(key, v1.DecisionAnnotationPrefix+"alice", "approve", v1.DecisionAnnotationPrefix+"bob", "approve")
		waitPhase(key, v1.PhaseApproved)
		delivered(key, "", notify.DefaultRoute, mailChannel)
		delivered(key, "", notify.DefaultRoute, hookChannel)
		ended := n.mailsTo(requesterUser)
		Expect(ended).To(HaveLen(1))
		Expect(ended[0].Subject).To(ContainSubstring(n.ns + "/deploy Approved"))
		Expect(ended[0].Body).To(And(ContainSubstring("alice: Approve by "+person("alice")), ContainSubstring("bob: Approve by "+person("bob"))))
		Eventually(func() int { return len(n.hook.deliveries()) }, settle).Should(Equal(3))
		Consistently(func() int { return len(n.mails()) }, 2*time.Second).Should(Equal(3), "nobody is told twice")

		By("a replay of what the webhook received is refused by the receiver")
		first := n.hook.deliveries()[0]
		Expect(n.hook.replay(first)).To(Equal(http.StatusConflict))

		expectNothingSecretReceived(n, key, tokens)
	})

	It("retries a failing channel with backoff, with a Warning event and the metric, and never holds up the decision", func() {
		failedBefore := sample("tollgate_notifications_total", "channel", "webhook", "result", "failed")
		n.hook.answering(http.StatusServiceUnavailable)
		n.start()
		key := newRequest(n.ns, "deploy", []string{"alice"}, 0)
		waitTokens(key, 1)
		delivered(key, "alice", notify.DefaultRoute, mailChannel)

		var first v1.NotificationRecord
		Eventually(func(g Gomega) {
			rec := record(getRequest(key), "alice", notify.DefaultRoute, hookChannel)
			g.Expect(rec).NotTo(BeNil())
			g.Expect(rec.Failure).To(ContainSubstring("503 Service Unavailable"))
			g.Expect(rec.NextAttemptAt).NotTo(BeNil())
			first = *rec
		}, settle, 50*time.Millisecond).Should(Succeed())
		Expect(first.Attempts).To(BeEquivalentTo(1))
		wait := first.NextAttemptAt.Sub(first.At.Time)
		Expect(wait).To(And(BeNumerically(">=", 14*time.Second), BeNumerically("<=", 31*time.Second)), "the first retry waits 15 to 30 s")
		Eventually(func() []string { return eventNotes(key, v1.ReasonNotificationFailed) }, settle).Should(ContainElement(And(
			ContainSubstring(hookChannel), ContainSubstring("attempt 1"), ContainSubstring("503"), ContainSubstring("tried again at"))))
		Expect(sample("tollgate_notifications_total", "channel", "webhook", "result", "failed")).To(BeNumerically(">", failedBefore))

		By("nothing goes out again before the retry's time, by the notifier's clock")
		n.clock.SetTime(first.NextAttemptAt.Add(-2 * time.Second))
		Consistently(func() int { return len(n.hook.deliveries()) }, 2*time.Second).Should(Equal(1))

		By("at its time the second attempt, which fails and waits longer")
		n.clock.SetTime(first.NextAttemptAt.Add(time.Second))
		var second v1.NotificationRecord
		Eventually(func(g Gomega) {
			rec := record(getRequest(key), "alice", notify.DefaultRoute, hookChannel)
			g.Expect(rec.Attempts).To(BeEquivalentTo(2))
			g.Expect(rec.Failure).To(ContainSubstring("503"))
			second = *rec
		}, settle, 50*time.Millisecond).Should(Succeed())
		Expect(second.NextAttemptAt.Sub(second.At.Time)).To(BeNumerically(">=", 29*time.Second), "the wait doubles")
		Expect(n.hook.deliveries()).To(HaveLen(2))

		By("the channel comes back: the third attempt delivers, with the same webhook-id")
		n.hook.answering(0)
		n.clock.SetTime(second.NextAttemptAt.Add(time.Second))
		obj := delivered(key, "alice", notify.DefaultRoute, hookChannel)
		Expect(record(obj, "alice", notify.DefaultRoute, hookChannel).Attempts).To(BeEquivalentTo(3))
		ids := map[string]bool{}
		for _, d := range n.hook.deliveries() {
			ids[d.Header.Get("webhook-id")] = true
		}
		Expect(ids).To(HaveLen(1), "every attempt carries the notification's id")
		Expect(n.mailsTo(person("alice"))).To(HaveLen(1), "the mail, delivered at once, was not sent again")

		By("while a channel hangs, the decision goes through")
		release := n.hook.hang()
		key = newRequest(n.ns, "hanging", []string{"alice"}, 0)
		waitTokens(key, 1)
		Eventually(func() int { return len(n.hook.deliveries()) }, settle).Should(Equal(4), "the hanging receiver has the notification")
		annotate(key, v1.DecisionAnnotationPrefix+"alice", "approve")
		obj = waitPhase(key, v1.PhaseApproved)
		rec := record(obj, "alice", notify.DefaultRoute, hookChannel)
		Expect(rec).NotTo(BeNil())
		Expect(rec.Failure).To(Equal(notify.AttemptInFlight), "approved while the notification's attempt was still under way")
		release()
	})

	It("after a manager restart in the middle of an attempt, sends nothing again within the retry window, then exactly once", func() {
		release := n.hook.hang()
		n.start()
		key := newRequest(n.ns, "deploy", []string{"alice"}, 0, func(r *v1.ApprovalRequest) {
			r.Spec.Notification = &v1.NotificationPick{Route: "urgent"} // the webhook alone
		})
		waitTokens(key, 1)
		var claim v1.NotificationRecord
		Eventually(func(g Gomega) {
			rec := record(getRequest(key), "alice", "urgent", hookChannel)
			g.Expect(rec).NotTo(BeNil())
			g.Expect(rec.Failure).To(Equal(notify.AttemptInFlight))
			g.Expect(rec.NextAttemptAt).NotTo(BeNil())
			claim = *rec
		}, settle, 50*time.Millisecond).Should(Succeed())
		Eventually(func() int { return len(n.hook.deliveries()) }, settle).Should(Equal(1), "the receiver has the notification")

		By("the manager stops before it heard the answer: the claim stays in status")
		n.stop()
		release()
		Expect(*record(getRequest(key), "alice", "urgent", hookChannel)).To(Equal(claim))

		By("the next manager finds the attempt in flight and waits for its retry's time")
		n.start()
		Consistently(func() int { return len(n.hook.deliveries()) }, 3*time.Second).Should(Equal(1))
		Expect(*record(getRequest(key), "alice", "urgent", hookChannel)).To(Equal(claim))

		By("past the window, exactly one retry, which the receiver recognises by its id")
		n.clock.SetTime(claim.NextAttemptAt.Add(time.Second))
		obj := delivered(key, "alice", "urgent", hookChannel)
		Expect(record(obj, "alice", "urgent", hookChannel).Attempts).To(BeEquivalentTo(2))
		Consistently(func() int { return len(n.hook.deliveries()) }, 2*time.Second).Should(Equal(2))
		got := n.hook.deliveries()
		Expect(got[1].Header.Get("webhook-id")).To(Equal(got[0].Header.Get("webhook-id")))
		Expect(n.hook.takenIDs()).To(Equal(1), "one message, taken once")
		Expect(n.mails()).To(BeEmpty(), "the urgent route does not mail")
	})

	It("tells a slot whose token was held while no manager notified, once the next one runs", func() {
		n.startWith(func(c *operator.Config) { c.Notifications.Disabled = true })
		key := newRequest(n.ns, "deploy", []string{"alice"}, 0)
		waitTokens(key, 1)
		Consistently(func() int { return len(n.mails()) }, 2*time.Second).Should(BeZero())
		Expect(slotOf(getRequest(key), "alice").Notified).To(BeEmpty())
		n.stop()

		n.start()
		delivered(key, "alice", notify.DefaultRoute, mailChannel)
		Eventually(func() []receivedMail { return n.mailsTo(person("alice")) }, settle).Should(HaveLen(1))
		Consistently(func() int { return len(n.mails()) }, 2*time.Second).Should(Equal(1))
	})

	It("tells an open slot once administrators configure its namespace's notifications", func() {
		config := &v1.NotificationConfig{}
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: n.ns, Name: "team"}, config)).To(Succeed())
		Expect(k8sClient.Delete(ctx, config)).To(Succeed())
		n.start()
		key := newRequest(n.ns, "deploy", []string{"alice"}, 0)
		waitTokens(key, 1)
		Consistently(func() int { return len(n.mails()) }, time.Second).Should(BeZero(), "no channel yet")

		config.ResourceVersion, config.UID = "", ""
		Expect(notificationsAdmin(n.ns).Create(ctx, config)).To(Succeed())
		delivered(key, "alice", notify.DefaultRoute, mailChannel)
		Expect(n.mailsTo(person("alice"))).To(HaveLen(1))
	})

	It("records a route the request picked that no object defines, warns, and leaves the request alone", func() {
		n.start()
		key := newRequest(n.ns, "deploy", []string{"alice"}, 0, func(r *v1.ApprovalRequest) {
			r.Spec.Notification = &v1.NotificationPick{Route: "pager"}
		})
		waitTokens(key, 1)
		Eventually(func(g Gomega) {
			rec := record(getRequest(key), "alice", "pager", v1.NotificationNoChannel)
			g.Expect(rec).NotTo(BeNil())
			g.Expect(rec.Failure).To(ContainSubstring(`no such route "pager"`))
			g.Expect(rec.NextAttemptAt).NotTo(BeNil(), "looked up again later: an administrator may define it")
		}, settle, 50*time.Millisecond).Should(Succeed())
		Eventually(func() []string { return eventNotes(key, v1.ReasonNotificationRouteUnknown) }, settle).Should(
			ContainElement(ContainSubstring(`no such route "pager"`)))
		Expect(n.mails()).To(BeEmpty())
		Expect(n.hook.deliveries()).To(BeEmpty())

		annotate(key, v1.DecisionAnnotationPrefix+"alice", "approve")
		waitPhase(key, v1.PhaseApproved)
	})

	It("warns of a group no recipient gives an address for, and tells the slot through the channels that reach it", func() {
		n.start()
		key := newRequest(n.ns, "deploy", []string{"oncall"}, 0, func(r *v1.ApprovalRequest) {
			r.Spec.Approvers[0].Users, r.Spec.Approvers[0].Groups = nil, []string{approversGroup}
		})
		waitTokens(key, 1)
		delivered(key, "oncall", notify.DefaultRoute, hookChannel)
		Eventually(func() []string { return eventNotes(key, v1.ReasonNotificationUnreached) }, settle).Should(
			ContainElement(ContainSubstring(mailChannel + ": group " + approversGroup)))
		Expect(record(getRequest(key), "oncall", notify.DefaultRoute, mailChannel)).To(BeNil(), "no mail to nobody")
		Expect(n.mails()).To(BeEmpty())
	})

	It("records a channel whose Secret is missing as a failure, warns, and leaves the request alone", func() {
		Expect(k8sClient.Delete(ctx, secretRef(n.ns, "hook"))).To(Succeed())
		n.start()
		key := newRequest(n.ns, "deploy", []string{"alice"}, 0)
		waitTokens(key, 1)
		delivered(key, "alice", notify.DefaultRoute, mailChannel)
		Eventually(func(g Gomega) {
			rec := record(getRequest(key), "alice", notify.DefaultRoute, hookChannel)
			g.Expect(rec).NotTo(BeNil())
			g.Expect(rec.Failure).To(ContainSubstring(`reading the Secret ` + n.ns + `/hook`))
		}, settle, 50*time.Millisecond).Should(Succeed())
		Eventually(func() []string { return eventNotes(key, v1.ReasonNotificationFailed) }, settle).Should(
			ContainElement(ContainSubstring("reading the Secret")))
		annotate(key, v1.DecisionAnnotationPrefix+"alice", "approve")
		waitPhase(key, v1.PhaseApproved)
	})
})

// expectNothingSecretReceived asserts that no mail, no webhook request and no event about key
// holds a task token (sealed or raw) or a channel's secret, in any form the channels send.
func expectNothingSecretReceived(n *notifying, key client.ObjectKey, rawTokens []string) {
	forbidden := append([]string{"sealed.v1.", smtpPassword, base64.StdEncoding.EncodeToString([]byte(smtpPassword)),
		base64.StdEncoding.EncodeToString([]byte("\x00" + smtpUser + "\x00" + smtpPassword)),
		n.signingKey, strings.TrimPrefix(n.signingKey, "whsec_")}, rawTokens...)
	received := make([]string, 0, 16)
	for _, m := range n.mails() {
		received = append(received, m.Raw, m.Body)
	}
	for _, d := range n.hook.deliveries() {
		headers, err := json.Marshal(d.Header)
		Expect(err).NotTo(HaveOccurred())
		received = append(received, string(d.Body), string(headers))
	}
	var events eventsv1.EventList
	Expect(k8sClient.List(ctx, &events, client.InNamespace(key.Namespace))).To(Succeed())
	for _, e := range events.Items {
		received = append(received, e.Note)
	}
	Expect(received).NotTo(BeEmpty())
	for _, text := range received {
		for _, secret := range forbidden {
			Expect(text).NotTo(ContainSubstring(secret))
		}
	}
}
