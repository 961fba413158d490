package main

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync/atomic"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/notify"
	"github.com/tollgate-dev/tollgate/internal/smtptest"
)

// mailSink is the bench's SMTP server when it runs with notifications on (-notify): the
// bench's namespace routes every notification to it, and it counts what arrives.
type mailSink struct {
	server *smtptest.Server
	mails  atomic.Int64
}

// startMailSink starts the sink and configures the bench's namespace as its administrators
// would: each approver is mailed when their token arrives, the requester when the request ends.
func startMailSink(ctx context.Context, admin client.Client) (*mailSink, error) {
	s := &mailSink{}
	var err error
	if s.server, err = smtptest.Listen(smtptest.Options{OnMail: func(smtptest.Mail) { s.mails.Add(1) }}); err != nil {
		return nil, fmt.Errorf("starting the mail sink: %w", err)
	}
	host, port, err := net.SplitHostPort(s.server.Addr)
	if err != nil {
		return s, err
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return s, err
	}
	recipients := []v1.NotificationRecipient{{User: requester, Email: requester}}
	for _, u := range people() {
		recipients = append(recipients, v1.NotificationRecipient{User: u, Email: u})
	}
	config := &v1.NotificationConfig{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "bench-mail"},
		Spec: v1.NotificationConfigSpec{
			Channels:   []v1.NotificationChannel{{Name: "mail", Email: &v1.EmailChannel{Host: host, Port: int32(p), TLS: v1.EmailNoTLS, From: "tollgate@example.com"}}},
			Recipients: recipients,
			Routes:     []v1.NotificationRoute{{Name: notify.DefaultRoute, Channels: []string{"mail"}}},
		},
	}
	if err := admin.Create(ctx, config); err != nil {
		return s, fmt.Errorf("configuring the bench's notifications: %w", err)
	}
	return s, nil
}

func (s *mailSink) stop() error {
	if s == nil || s.server == nil {
		return nil
	}
	return s.server.Close()
}

// received is how many mails arrived so far (0 without a sink).
func (s *mailSink) received() int64 {
	if s == nil {
		return 0
	}
	return s.mails.Load()
}
