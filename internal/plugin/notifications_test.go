package plugin_test

import (
	"encoding/json"
	"net"
	"strconv"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/plugin"
	"github.com/tollgate-dev/tollgate/internal/smtptest"
)

// describe shows which routes and channels each slot's notification went through, when, in how
// many attempts and with what failure, and the end's: what the operator's notifier recorded.
func TestDescribeShowsNotifications(t *testing.T) {
	ns := newNamespace(t)
	sink := smtptest.Start(t, smtptest.Options{})
	host, port, err := net.SplitHostPort(sink.Addr)
	must(t, err)
	p, err := strconv.Atoi(port)
	must(t, err)
	must(t, env.ControlPlane.Client.Create(t.Context(), &v1.NotificationConfig{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "team"},
		Spec: v1.NotificationConfigSpec{
			Channels:   []v1.NotificationChannel{{Name: "mail", Email: &v1.EmailChannel{Host: host, Port: int32(p), TLS: v1.EmailNoTLS, From: "tollgate@example.com"}}},
			Recipients: []v1.NotificationRecipient{{User: alice, Email: alice}, {User: ravi, Email: ravi}},
			Routes:     []v1.NotificationRoute{{Name: "default", Channels: []string{"mail"}}},
		},
	}))
	req := createRequest(t, ns, "deploy", byUser("alice", alice))
	paged := &v1.ApprovalRequest{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "paged"},
		Spec: v1.ApprovalRequestSpec{Description: "Page someone", Approvers: []v1.Approver{byUser("alice", alice)},
			Notification: &v1.NotificationPick{Route: "pager"}},
	}
	asRavi, err := env.ControlPlane.ClientAs(ravi)
	must(t, err)
	must(t, asRavi.Create(t.Context(), paged))
	eventually(t, req, "alice told", func(r *v1.ApprovalRequest) bool {
		n := slotStatus(r, "alice").Notified
		return len(n) == 1 && n[0].Failure == ""
	})
	expect(t, run(t, cmd(ns, as(alice), "approve", "deploy")...), plugin.ExitApproved)
	eventually(t, req, "the requester told the end", func(r *v1.ApprovalRequest) bool {
		return len(r.Status.EndNotified) == 1 && r.Status.EndNotified[0].Failure == ""
	})

	eventually(t, paged, "the unknown route recorded", func(r *v1.ApprovalRequest) bool { return len(slotStatus(r, "alice").Notified) == 1 })
	expect(t, run(t, cmd(ns, as(mallory), "describe", "paged")...), plugin.ExitApproved,
		"slot alice", "pager", "none", `failed: no such route "pager"`, "next attempt")

	r := run(t, cmd(ns, as(mallory), "describe", "deploy")...)
	expect(t, r, plugin.ExitApproved, "Notifications:", "slot alice", "the end (requester)", "NotificationConfig/team/mail", "delivered")
	var d struct {
		Notifications []struct {
			Slot     string `json:"slot"`
			Route    string `json:"route"`
			Channel  string `json:"channel"`
			Attempts int    `json:"attempts"`
		} `json:"notifications"`
	}
	r = run(t, cmd(ns, as(mallory), "describe", "deploy", "-o", "json")...)
	must(t, json.Unmarshal([]byte(r.stdout), &d))
	if len(d.Notifications) != 2 || d.Notifications[0].Slot != "alice" || d.Notifications[1].Slot != "" ||
		d.Notifications[0].Channel != "NotificationConfig/team/mail" || d.Notifications[0].Attempts != 1 {
		t.Errorf("-o json notifications: %+v", d.Notifications)
	}
}
