package controller_test

import (
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/devenv"
)

// The follow-up fields (a slot notified, reminded, escalated; a request's expiry warned, its end
// and the end's notifications) are what notifications and timers react to: the operator writes
// them, the schema bounds them, nobody else writes them.
var _ = Describe("The follow-up fields", func() {
	var ns string
	var key client.ObjectKey
	at := metav1.NewTime(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))

	BeforeEach(func() {
		ns = createNamespace("followup")
		key = newRequest(ns, "r", []string{"alice"}, 0)
	})

	// followUp writes change into the request's status as who.
	followUp := func(who client.Client, change func(*v1.ApprovalRequest)) error {
		obj := getRequest(key)
		base := obj.DeepCopy()
		if len(obj.Status.Approvers) == 0 {
			obj.Status.Approvers = []v1.ApproverStatus{{Name: "alice"}}
		}
		change(obj)
		return who.Status().Patch(ctx, obj, client.MergeFrom(base))
	}
	operator := func() client.Client { return as(devenv.OperatorUsername) }
	notified := func(route, channel string, attempts int32, failure string) v1.NotificationRecord {
		return v1.NotificationRecord{Route: route, Channel: "NotificationConfig/team/" + channel, At: at, Attempts: attempts, Failure: failure}
	}

	It("keeps what the operator records, as the notifier reports it", func() {
		next := metav1.NewTime(at.Add(30 * time.Second))
		Expect(followUp(operator(), func(r *v1.ApprovalRequest) {
			s := &r.Status.Approvers[0]
			s.Notified = []v1.NotificationRecord{notified("default", "mail", 1, ""), notified("default", "hook", 2, "503 Service Unavailable")}
			s.Notified[1].NextAttemptAt = &next
			central := notified("default", "audit", 1, "")
			central.Channel = "ClusterNotificationConfig/audit.example.com/audit"
			unrouted := notified("pager", "", 1, `no such route "pager" for namespace team`)
			unrouted.Channel = v1.NotificationNoChannel
			s.Notified = append(s.Notified, central, unrouted)
			s.Reminded = &v1.Reminders{Count: 2, LastAt: at}
			s.Escalated = &v1.Escalation{At: at, To: []string{"oncall", "group:sre"}}
			r.Status.ExpiryWarnedAt = &at
			r.Status.EndNotified = []v1.NotificationRecord{notified("default", "mail", 1, "")}
		})).To(Succeed())

		got := getRequest(key)
		s := got.Status.Approvers[0]
		Expect(s.Notified).To(HaveLen(4))
		Expect(s.Notified[1].Failure).To(Equal("503 Service Unavailable"))
		Expect(s.Notified[1].NextAttemptAt.Time).To(BeTemporally("==", next.Time))
		Expect(s.Reminded.Count).To(BeEquivalentTo(2))
		Expect(s.Escalated.To).To(ConsistOf("oncall", "group:sre"))
		Expect(got.Status.ExpiryWarnedAt.Time).To(BeTemporally("==", at.Time))
		Expect(got.Status.EndNotified).To(HaveLen(1))
	})

	It("are written by nobody but the operator, cluster administrators included", func() {
		err := followUp(k8sClient, func(r *v1.ApprovalRequest) { r.Status.ExpiryWarnedAt = &at })
		Expect(err).To(MatchError(ContainSubstring("only the tollgate operator (" + devenv.OperatorUsername + ") writes the status of approvalrequests")))
		Expect(getRequest(key).Status.ExpiryWarnedAt).To(BeNil(), "nothing was written")
	})

	DescribeTable("refuses a bad record, naming the field",
		func(change func(*v1.ApprovalRequest), wantField, wantMessage string) {
			expectRefusal(followUp(operator(), change), wantField, wantMessage)
		},
		Entry("a route that is not a DNS label", func(r *v1.ApprovalRequest) {
			r.Status.Approvers[0].Notified = []v1.NotificationRecord{notified("Default!", "mail", 1, "")}
		}, "status.approvers[0].notified[0].route", "should match"),
		Entry("a channel not qualified by the object that defines it", func(r *v1.ApprovalRequest) {
			r.Status.Approvers[0].Notified = []v1.NotificationRecord{notified("default", "mail", 1, "")}
			r.Status.Approvers[0].Notified[0].Channel = "mail"
		}, "status.approvers[0].notified[0].channel", "should match"),
		Entry("a channel of an object of another kind", func(r *v1.ApprovalRequest) {
			r.Status.Approvers[0].Notified = []v1.NotificationRecord{notified("default", "mail", 1, "")}
			r.Status.Approvers[0].Notified[0].Channel = "Secret/team/mail"
		}, "status.approvers[0].notified[0].channel", "should match"),
		Entry("a record of no attempt", func(r *v1.ApprovalRequest) {
			r.Status.Approvers[0].Notified = []v1.NotificationRecord{notified("default", "mail", 0, "")}
		}, "status.approvers[0].notified[0].attempts", "should be greater than or equal to 1"),
		Entry("a failure longer than 512 characters", func(r *v1.ApprovalRequest) {
			r.Status.Approvers[0].Notified = []v1.NotificationRecord{notified("default", "mail", 1, strings.Repeat("x", 513))}
		}, "status.approvers[0].notified[0].failure", "may not be more than 512"),
		Entry("two records of one route and channel", func(r *v1.ApprovalRequest) {
			r.Status.Approvers[0].Notified = []v1.NotificationRecord{notified("default", "mail", 1, ""), notified("default", "mail", 2, "")}
		}, "status.approvers[0].notified[1]", "Duplicate value"),
		Entry("more than 16 records of a slot", func(r *v1.ApprovalRequest) {
			for i := range 17 {
				r.Status.Approvers[0].Notified = append(r.Status.Approvers[0].Notified, notified("default", "c"+strings.Repeat("x", i), 1, ""))
			}
		}, "status.approvers[0].notified", "must have at most 16 items"),
		Entry("an escalation to nobody", func(r *v1.ApprovalRequest) {
			r.Status.Approvers[0].Escalated = &v1.Escalation{At: at}
		}, "status.approvers[0].escalated.to", "Required value"),
		Entry("an end without a reason", func(r *v1.ApprovalRequest) {
			r.Status.Ended = &v1.Ending{At: at}
		}, "status.ended.reason", "should be at least 1 chars long"),
	)

})
