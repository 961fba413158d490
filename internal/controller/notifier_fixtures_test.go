package controller_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/pem"
	"io"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"slices"
	"strconv"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/operator"
	"github.com/tollgate-dev/tollgate/internal/smtptest"
	"github.com/tollgate-dev/tollgate/internal/stepfunctions"
)

// The credentials of the notifying namespace's channels: nothing a receiver gets may hold them.
const (
	smtpUser     = "tollgate-mailer"
	smtpPassword = "smtp-pa55word-never-shown"
)

// notifying is a namespace whose administrators configured notifications, with the real
// protocol servers they reach, in process: an SMTP server (STARTTLS, AUTH PLAIN) and an HTTPS
// receiver that verifies the Standard Webhooks signature. The route `default` goes to both; the
// route `urgent` to the webhook alone. clock is the notifier's time, which the specs step.
type notifying struct {
	ns         string
	clock      *clocktesting.FakeClock
	mail       *smtptest.Server
	hook       *hookReceiver
	signingKey string
	op         *runningOperator
}

func newNotifying(prefix string) *notifying {
	n := &notifying{ns: createNamespace(prefix), clock: clocktesting.NewFakeClock(time.Now())}
	n.mail = smtptest.Start(GinkgoTB(), smtptest.Options{TLS: smtptest.StartTLS, Mechanisms: []string{"PLAIN"}, Username: smtpUser, Password: smtpPassword})
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	n.signingKey = "whsec_" + base64.StdEncoding.EncodeToString(key)
	n.hook = newHookReceiver(n.signingKey)
	n.secret("smtp", map[string]string{"username": smtpUser, "password": smtpPassword})
	n.secret("smtp-ca", map[string]string{"ca.crt": string(n.mail.CA)})
	n.secret("hook", map[string]string{"secret": n.signingKey})
	n.secret("hook-ca", map[string]string{"ca.crt": n.hook.caPEM()})
	Expect(env.ControlPlane.GrantSecrets(ctx, n.ns, "smtp", "smtp-ca", "hook", "hook-ca")).To(Succeed())
	host, port := n.mailAddr()
	config := &v1.NotificationConfig{
		ObjectMeta: metav1.ObjectMeta{Namespace: n.ns, Name: "team"},
		Spec: v1.NotificationConfigSpec{
			Channels: []v1.NotificationChannel{
				{Name: "mail", Email: &v1.EmailChannel{Host: host, Port: port, TLS: v1.EmailStartTLS, From: "tollgate@example.com",
					CredentialsSecretRef: &v1.SecretReference{Name: "smtp"}, CASecretRef: &v1.SecretReference{Name: "smtp-ca"}}},
				{Name: "hook", Webhook: &v1.WebhookChannel{URL: n.hook.srv.URL + "/tollgate", SigningSecretRef: v1.SecretReference{Name: "hook"},
					CASecretRef: &v1.SecretReference{Name: "hook-ca"}}},
			},
			Recipients: []v1.NotificationRecipient{
				{User: person("alice"), Email: person("alice")}, {User: person("bob"), Email: person("bob")},
				{User: requesterUser, Email: requesterUser},
			},
			Routes: []v1.NotificationRoute{{Name: "default", Channels: []string{"mail", "hook"}}, {Name: "urgent", Channels: []string{"hook"}}},
		},
	}
	Expect(notificationsAdmin(n.ns).Create(ctx, config)).To(Succeed())
	return n
}

// secret creates a Secret of the namespace, as its administrators do.
func (n *notifying) secret(name string, data map[string]string) {
	Expect(k8sClient.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: n.ns, Name: name}, StringData: data})).To(Succeed())
}

func (n *notifying) mailAddr() (string, int32) {
	return splitHostPort(n.mail.Addr)
}

// splitHostPort is a server's address as a channel names it.
func splitHostPort(addr string) (string, int32) {
	host, port, err := net.SplitHostPort(addr)
	Expect(err).NotTo(HaveOccurred())
	p, err := strconv.Atoi(port)
	Expect(err).NotTo(HaveOccurred())
	return host, int32(p)
}

// start runs an operator whose notifier keeps the namespace's time.
func (n *notifying) start() {
	n.startWith(nil)
}

func (n *notifying) startWith(tune func(*operator.Config)) {
	n.op = startOperatorWith(stepfunctions.Wrap(sfnLocal.client, nil), func(c *operator.Config) {
		c.Notifications.Clock = n.clock
		if tune != nil {
			tune(c)
		}
	})
}

func (n *notifying) stop() {
	n.op.stop()
	n.op = nil
}

// mails are the messages the SMTP server received, each with its recipients and decoded body.
func (n *notifying) mails() []receivedMail {
	mails := n.mail.Mails()
	out := make([]receivedMail, 0, len(mails))
	for _, m := range mails {
		out = append(out, decodeMail(m))
	}
	return out
}

// receivedMail is a mail as a person reads it.
type receivedMail struct {
	To        []string
	Subject   string
	MessageID string
	Body      string
	Raw       string
}

func decodeMail(m smtptest.Mail) receivedMail {
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	Expect(err).NotTo(HaveOccurred())
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	Expect(err).NotTo(HaveOccurred())
	return receivedMail{To: m.To, Subject: msg.Header.Get("Subject"), MessageID: msg.Header.Get("Message-ID"), Body: string(body), Raw: string(m.Data)}
}

// mailsTo are the mails to one address.
func (n *notifying) mailsTo(addr string) []receivedMail {
	var out []receivedMail
	for _, m := range n.mails() {
		if slices.Contains(m.To, addr) {
			out = append(out, m)
		}
	}
	return out
}

// hookReceiver is a webhook endpoint as a careful receiver writes one: it verifies the
// signature with the Standard Webhooks library (within its 5-minute window), takes each
// webhook-id once, acknowledges a retry of a message it has (same id, a later timestamp:
// the sender never heard its answer) without taking it again, and refuses a replay (the
// same id and timestamp: a request recorded and sent again).
type hookReceiver struct {
	srv      *httptest.Server
	verifier *standardwebhooks.Webhook

	mu      sync.Mutex
	arrived []hookDelivery // every verified request, in order
	taken   map[string]string
	refused []string
	// answer, when set, is the status answered to a verified request; hold, when set, makes a
	// request wait until it is closed (a receiver that hangs).
	answer int
	hold   chan struct{}
}

// hookDelivery is a request as it arrived.
type hookDelivery struct {
	Header http.Header
	Body   []byte
}

func newHookReceiver(signingSecret string) *hookReceiver {
	verifier, err := standardwebhooks.NewWebhook(signingSecret)
	Expect(err).NotTo(HaveOccurred())
	h := &hookReceiver{verifier: verifier, taken: map[string]string{}}
	h.srv = httptest.NewTLSServer(h)
	DeferCleanup(h.srv.Close)
	return h
}

func (h *hookReceiver) caPEM() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: h.srv.Certificate().Raw}))
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if err := h.verifier.Verify(body, r.Header); err != nil {
		h.refuse(w, http.StatusUnauthorized, "unverified: "+err.Error())
		return
	}
	id, ts := r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp")
	h.mu.Lock()
	h.arrived = append(h.arrived, hookDelivery{Header: r.Header.Clone(), Body: body})
	first, seen := h.taken[id]
	if seen && first == ts {
		h.mu.Unlock()
		h.refuse(w, http.StatusConflict, "replayed: "+id)
		return
	}
	if !seen {
		h.taken[id] = ts
	}
	answer, hold := h.answer, h.hold
	h.mu.Unlock()
	if hold != nil {
		<-hold
	}
	if answer != 0 {
		w.WriteHeader(answer)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *hookReceiver) refuse(w http.ResponseWriter, status int, why string) {
	h.mu.Lock()
	h.refused = append(h.refused, why)
	h.mu.Unlock()
	http.Error(w, why, status)
}

// answering makes the receiver answer status (0: take deliveries with 204).
func (h *hookReceiver) answering(status int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.answer = status
}

// hang makes deliveries wait until the returned function is called.
func (h *hookReceiver) hang() (release func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	hold := make(chan struct{})
	h.hold = hold
	var once sync.Once
	release = func() {
		once.Do(func() {
			h.mu.Lock()
			h.hold = nil
			h.mu.Unlock()
			close(hold)
		})
	}
	DeferCleanup(release)
	return release
}

// deliveries are the verified requests so far; taken the ids taken.
func (h *hookReceiver) deliveries() []hookDelivery {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.arrived)
}

func (h *hookReceiver) takenIDs() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.taken)
}

func (h *hookReceiver) refusals() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.refused)
}

// replay sends a delivery again exactly as it arrived: what someone who recorded it could do.
func (h *hookReceiver) replay(d hookDelivery) int {
	req, err := http.NewRequest(http.MethodPost, h.srv.URL+"/tollgate", bytes.NewReader(d.Body))
	Expect(err).NotTo(HaveOccurred())
	req.Header = d.Header.Clone()
	resp, err := h.srv.Client().Do(req)
	Expect(err).NotTo(HaveOccurred())
	_ = resp.Body.Close()
	return resp.StatusCode
}

// record is a slot's record of a route and channel (the end's: slot ""), nil while none.
func record(obj *v1.ApprovalRequest, slot, route, channel string) *v1.NotificationRecord {
	records := obj.Status.EndNotified
	if slot != "" {
		records = slotOf(obj, slot).Notified
	}
	for i := range records {
		if records[i].Route == route && records[i].Channel == channel {
			return &records[i]
		}
	}
	return nil
}

// The channels of the notifying namespace's NotificationConfig, as records name them.
const (
	mailChannel = "NotificationConfig/team/mail"
	hookChannel = "NotificationConfig/team/hook"
)

// secretRef names a Secret, to delete it.
func secretRef(namespace, name string) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name}}
}
