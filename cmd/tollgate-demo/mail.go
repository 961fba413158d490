package main

import (
	"bytes"
	"context"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/notify"
	"github.com/tollgate-dev/tollgate/internal/smtptest"
)

// demoNotifications is the demo namespace's NotificationConfig: what its administrators would
// write, with the demo's mail sink as the SMTP server.
const demoNotifications = "demo-mail"

// startMailSink runs a local SMTP server that prints each mail as it arrives, and routes the
// demo namespace's notifications to it (a NotificationConfig, written as the namespace's
// administrators would): each approver is told their decision is needed once their task token
// arrives, and the requester how the request ended.
func startMailSink(ctx context.Context, c client.Client, done *cleanups) error {
	sink, err := smtptest.Listen(smtptest.Options{OnMail: printMail})
	if err != nil {
		return fmt.Errorf("starting the mail sink: %w", err)
	}
	done.add(func() error { say("stopping the mail sink"); return sink.Close() })
	host, port, err := net.SplitHostPort(sink.Addr)
	if err != nil {
		return err
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return err
	}
	want := &v1.NotificationConfig{
		ObjectMeta: metav1.ObjectMeta{Namespace: demoNamespace, Name: demoNotifications},
		Spec: v1.NotificationConfigSpec{
			Channels: []v1.NotificationChannel{{Name: "mail", Email: &v1.EmailChannel{
				Host: host, Port: int32(p), TLS: v1.EmailNoTLS, From: "tollgate@example.com",
			}}},
			Recipients: demoRecipients(),
			Routes:     []v1.NotificationRoute{{Name: notify.DefaultRoute, Channels: []string{"mail"}}},
		},
	}
	if err := apply(ctx, c, want); err != nil {
		return fmt.Errorf("configuring the demo's notifications: %w", err)
	}
	say("mail sink on %s (NotificationConfig %s/%s): every notification the operator sends is printed below as it arrives",
		sink.Addr, demoNamespace, demoNotifications)
	return nil
}

// apply creates the NotificationConfig, or sets its spec when a kept cluster has it (the sink's
// port changes from run to run).
func apply(ctx context.Context, c client.Client, want *v1.NotificationConfig) error {
	err := c.Create(ctx, want.DeepCopy())
	if !apierrors.IsAlreadyExists(err) {
		return err
	}
	got := &v1.NotificationConfig{}
	if err := c.Get(ctx, client.ObjectKeyFromObject(want), got); err != nil {
		return err
	}
	got.Spec = want.Spec
	return c.Update(ctx, got)
}

// demoRecipients say where the demo's people and groups are reached: a person at their user
// name, a group at its mailing list (a Kubernetes group cannot be listed).
func demoRecipients() []v1.NotificationRecipient {
	out := make([]v1.NotificationRecipient, 0, 1+len(approverUsers)+len(approverGroups))
	for _, u := range append([]string{requester}, approverUsers...) {
		out = append(out, v1.NotificationRecipient{User: u, Email: u})
	}
	for _, g := range approverGroups {
		out = append(out, v1.NotificationRecipient{Group: g, Email: g + "@lists.example.com"})
	}
	return out
}

// printMail prints a mail as the sink received it: to whom, and its subject.
func printMail(m smtptest.Mail) {
	subject := "(unreadable)"
	if msg, err := mail.ReadMessage(bytes.NewReader(m.Data)); err == nil {
		subject = msg.Header.Get("Subject")
		if decoded, err := new(mime.WordDecoder).DecodeHeader(subject); err == nil {
			subject = decoded
		}
	}
	say("  to %s via e-mail: %q", strings.Join(m.To, ", "), subject)
}

// toldTheEnd reports whether the operator recorded the end's notification delivered.
func toldTheEnd(obj *v1.ApprovalRequest) bool {
	for _, n := range obj.Status.EndNotified {
		if n.Failure == "" {
			return true
		}
	}
	return false
}
