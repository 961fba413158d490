package notify

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	dto "github.com/prometheus/client_model/go"
	clocktesting "k8s.io/utils/clock/testing"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/smtptest"
)

// secretStore is the Notifier's window on Secrets, as a map of namespace/name.
type secretStore map[string]map[string][]byte

func (s secretStore) SecretData(_ context.Context, namespace, name string) (map[string][]byte, error) {
	d, ok := s[namespace+"/"+name]
	switch {
	case !ok:
		return nil, fmt.Errorf("secrets %q not found", name)
	case d == nil: // a Secret nobody granted tollgate, as APISecrets answers it
		return nil, fmt.Errorf("%w: secrets %q is forbidden", ErrSecretNotGranted, name)
	}
	return d, nil
}

// world is a namespace's notifications end to end: an SMTP server and a webhook receiver on
// loopback, the NotificationConfig that routes to them, and the Secrets it names.
type world struct {
	smtp     *smtptest.Server
	hook     *receiver
	clock    *clocktesting.FakeClock
	config   v1.NotificationConfig
	secrets  secretStore
	notifier *Notifier
}

func newWorld(t *testing.T, smtpOpts smtptest.Options) *world {
	t.Helper()
	w := &world{clock: clocktesting.NewFakeClock(time.Now().Truncate(time.Second))}
	smtpOpts.Username, smtpOpts.Password = smtpUser, smtpPassword
	w.smtp = smtptest.Start(t, smtpOpts)
	w.hook = newReceiver(signingKey, w.clock.Now)
	srv, _ := webhookServer(t, w.hook)
	host, port, _ := net.SplitHostPort(w.smtp.Addr)
	p, _ := strconv.Atoi(port)
	tlsMode := v1.EmailStartTLS
	if smtpOpts.TLS == smtptest.Implicit {
		tlsMode = v1.EmailImplicitTLS
	}
	w.config = namespaced(v1.NotificationConfigSpec{
		Channels: []v1.NotificationChannel{
			{Name: "mail", Email: &v1.EmailChannel{Host: host, Port: int32(p), TLS: tlsMode, From: "tollgate@example.com",
				CredentialsSecretRef: &v1.SecretReference{Name: "smtp"}, CASecretRef: &v1.SecretReference{Name: "smtp-ca"}}},
			{Name: "hook", Webhook: &v1.WebhookChannel{URL: srv.URL + "/hooks/tollgate", SigningSecretRef: v1.SecretReference{Name: "hook"}, CASecretRef: &v1.SecretReference{Name: "hook-ca"}}},
		},
		Recipients: []v1.NotificationRecipient{
			{User: "carol@example.com", Email: "carol@example.com"},
			{Group: "security-oncall", Email: "security-oncall@lists.example.com"},
			{User: "alice@example.com", Email: "alice@example.com"},
		},
		Routes: []v1.NotificationRoute{{Name: "default", Channels: []string{"mail", "hook"}}},
		Link:   "https://console.example.com/approvals/{namespace}/{name}",
	})
	hookCA := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	w.secrets = secretStore{
		"payments/smtp":    {SecretKeyUsername: []byte(smtpUser), SecretKeyPassword: []byte(smtpPassword)},
		"payments/smtp-ca": {SecretKeyCA: w.smtp.CA},
		"payments/hook":    {SecretKeySigning: []byte(signingSecret + "\n")},
		"payments/hook-ca": {SecretKeyCA: hookCA},
	}
	w.notifier = &Notifier{Secrets: w.secrets, Clock: w.clock, Schedule: DefaultSchedule, Timeout: 20 * time.Second, HelloName: "tollgate.test"}
	return w
}

// send resolves m under the world's config and attempts every destination due, given records.
func (w *world) send(t *testing.T, m Message, records []Record) []Result {
	t.Helper()
	res, err := Resolve(m, "", Configs{Namespace: "payments", Namespaced: []v1.NotificationConfig{w.config}, OperatorNamespace: "tollgate-system"})
	if err != nil {
		t.Fatal(err)
	}
	due, _ := w.notifier.Schedule.Due(res.Destinations, records, w.clock.Now())
	return w.notifier.Send(context.Background(), m, due)
}

// everythingReceived is every byte the receivers took as a message: mails as handed over, and
// webhook deliveries with their headers.
func (w *world) everythingReceived() string {
	var b strings.Builder
	for _, m := range w.smtp.Mails() {
		b.WriteString(m.From + " " + strings.Join(m.To, " ") + "\n")
		b.Write(m.Data)
	}
	accepted, _ := w.hook.got()
	for _, d := range accepted {
		for k, vs := range d.Header {
			fmt.Fprintf(&b, "%s: %s\n", k, strings.Join(vs, ","))
		}
		b.Write(d.Body)
	}
	return b.String()
}

// forbidden are what no receiver may get and no failure may say: the task tokens, the
// records, and every secret value with the forms it is sent in.
func forbidden() []string {
	out := []string{rawToken, sealedToken, "sealed.v1.", "record-bob", "record-security", smtpPassword, signingSecret, strings.TrimPrefix(signingSecret, "whsec_")}
	for _, s := range []string{smtpPassword, "\x00" + smtpUser + "\x00" + smtpPassword, string(signingKey)} {
		out = append(out, base64.StdEncoding.EncodeToString([]byte(s)), base64.RawStdEncoding.EncodeToString([]byte(s)))
	}
	return append(out, string(signingKey))
}

func checkNothingForbidden(t *testing.T, where, text string) {
	t.Helper()
	for _, s := range forbidden() {
		if strings.Contains(text, s) {
			t.Errorf("%s holds %q", where, s)
		}
	}
}

// A waiting slot's people are mailed and the webhook is told, with no token and no secret in
// anything either receives; what users wrote arrives as text.
func TestSend_WaitingSlot(t *testing.T) {
	w := newWorld(t, smtptest.Options{TLS: smtptest.StartTLS, Mechanisms: []string{"PLAIN"}})
	m, err := Waiting(request(), "security", "alice@example.com", received)
	if err != nil {
		t.Fatal(err)
	}
	before := counts(t)
	results := w.send(t, m, nil)
	want := []Result{
		{Route: "default", Channel: "NotificationConfig/team/hook", Type: ChannelWebhook, At: w.clock.Now(), Attempts: 1},
		{Route: "default", Channel: "NotificationConfig/team/mail", Type: ChannelEmail, At: w.clock.Now(), Attempts: 1},
	}
	if !slices.Equal(results, want) {
		t.Fatalf("results\n%+v\nwant\n%+v", results, want)
	}
	if d := delta(t, before); d != moved(map[string]float64{"email/sent": 1, "webhook/sent": 1}) {
		t.Errorf("tollgate_notifications_total moved by %s", d)
	}

	mails := w.smtp.WaitSessions(t, 1)[0].Mails
	if len(mails) != 1 || strings.Join(mails[0].To, ",") != "carol@example.com,security-oncall@lists.example.com" {
		t.Fatalf("mails %v", mails)
	}
	header, subject, body := readMail(t, mails[0].Data)
	checkMailShape(t, mails[0].Data, header, subject)
	if header.Get("Message-Id") != "<"+messageID(m, Destination{Route: "default", Channel: "NotificationConfig/team/mail"})+"@example.com>" {
		t.Errorf("Message-ID %q", header.Get("Message-Id"))
	}
	for _, s := range []string{"kubectl tollgate approve deploy-v42 -n payments --slot security", "https://console.example.com/approvals/payments/deploy-v42", "| <script>alert('x')</script>"} {
		if !strings.Contains(body, s) {
			t.Errorf("the mail lacks %q", s)
		}
	}

	accepted, refused := w.hook.got()
	if len(accepted) != 1 || len(refused) != 0 {
		t.Fatalf("the receiver accepted %d, refused %v", len(accepted), refused)
	}
	var ev struct {
		ID   string         `json:"id"`
		Type string         `json:"type"`
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(accepted[0].Body, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.ID != accepted[0].Header.Get("webhook-id") || ev.Type != EventTypeWaiting || ev.Data["description"] != cleanText(markupDescription) {
		t.Errorf("event %+v", ev)
	}
	checkNothingForbidden(t, "what the receivers got", w.everythingReceived())
}

// The requester learns how the request ended, with the longest comment, whole and as text.
func TestSend_Ended(t *testing.T) {
	w := newWorld(t, smtptest.Options{TLS: smtptest.Implicit, Mechanisms: []string{"LOGIN"}})
	results := w.send(t, Ended(request(), "alice@example.com", "bob rejected", ended), nil)
	for _, r := range results {
		if r.Failure != "" {
			t.Fatalf("%s: %s", r.Channel, r.Failure)
		}
	}
	mails := w.smtp.WaitSessions(t, 1)[0].Mails
	if len(mails) != 1 || strings.Join(mails[0].To, ",") != "alice@example.com" {
		t.Fatalf("mails %v", mails)
	}
	_, _, body := readMail(t, mails[0].Data)
	if !strings.Contains(body, "  | "+longComment+"\r\n") {
		t.Errorf("the mail lacks the comment:\n%s", body)
	}
	accepted, _ := w.hook.got()
	var ev struct {
		Data struct {
			Decisions []struct{ Comment string } `json:"decisions"`
		} `json:"data"`
	}
	if err := json.Unmarshal(accepted[0].Body, &ev); err != nil || len(ev.Data.Decisions) != 1 || ev.Data.Decisions[0].Comment != longComment {
		t.Errorf("the event's decisions %+v (%v)", ev.Data.Decisions, err)
	}
	if bytes.Contains(accepted[0].Body, []byte("<i>")) {
		t.Error("the event holds the comment's markup raw")
	}
	checkNothingForbidden(t, "what the receivers got", w.everythingReceived())
}

// A failed attempt says why without a secret, is counted, and is retried on schedule; the last
// one is abandoned.
func TestSend_Failures(t *testing.T) {
	w := newWorld(t, smtptest.Options{TLS: smtptest.StartTLS, Mechanisms: []string{"PLAIN"}})
	m, err := Waiting(request(), "security", "alice@example.com", received)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("a server that echoes the credentials it refused", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.Options{TLS: smtptest.StartTLS, Mechanisms: []string{"PLAIN"}, EchoAuth: true, Username: smtpUser, Password: "not-this"})
		host, port, _ := net.SplitHostPort(srv.Addr)
		p, _ := strconv.Atoi(port)
		w.config.Spec.Channels[0].Email.Host, w.config.Spec.Channels[0].Email.Port = host, int32(p)
		w.secrets["payments/smtp-ca"][SecretKeyCA] = srv.CA
		before := counts(t)
		r := mailResult(t, w.send(t, m, nil))
		if !strings.Contains(r.Failure, "authentication failed for "+redacted+" ("+smtpUser+":"+redacted+")") {
			t.Errorf("failure %q: the server's answer, scrubbed", r.Failure)
		}
		checkNothingForbidden(t, "the failure", r.Failure)
		if wantRetry, _ := w.notifier.Schedule.Retry(messageID(m, Destination{Route: r.Route, Channel: r.Channel}), 1, w.clock.Now()); !r.Retry.Equal(wantRetry) || r.Attempts != 1 {
			t.Errorf("attempt %d, retry %v, want 1 and %v", r.Attempts, r.Retry, wantRetry)
		}
		if d := delta(t, before); d != moved(map[string]float64{"email/failed": 1, "webhook/sent": 1}) {
			t.Errorf("tollgate_notifications_total moved by %s", d)
		}
		t.Run("not again before its retry, and abandoned after the last attempt", func(t *testing.T) {
			records := []Record{r.Record(), {Route: "default", Channel: "NotificationConfig/team/hook", At: w.clock.Now(), Attempts: 1}}
			if again := w.send(t, m, records); len(again) != 0 {
				t.Errorf("attempted again at once: %+v", again)
			}
			records[0].Attempts = DefaultSchedule.Attempts - 1
			w.clock.SetTime(r.Retry.Add(24 * time.Hour))
			before := counts(t)
			last := w.send(t, m, records)
			if len(last) != 1 || last[0].Attempts != DefaultSchedule.Attempts || !last[0].Retry.IsZero() || last[0].Failure == "" {
				t.Errorf("the last attempt %+v", last)
			}
			if d := delta(t, before); d != moved(map[string]float64{"email/abandoned": 1}) {
				t.Errorf("tollgate_notifications_total moved by %s", d)
			}
		})
	})
	t.Run("a missing Secret or key is named, never a value", func(t *testing.T) {
		delete(w.secrets, "payments/hook")
		w.secrets["payments/smtp"] = map[string][]byte{SecretKeyUsername: []byte(smtpUser)}
		results := w.send(t, m, nil)
		got := []string{results[0].Failure, results[1].Failure}
		want := []string{`reading the Secret payments/hook: secrets "hook" not found`, `the Secret payments/smtp has no key "password"`}
		if !slices.Equal(got, want) {
			t.Errorf("failures %q, want %q", got, want)
		}
	})
	t.Run("a Secret nobody granted tollgate is named with what to do, and the server never hears from it", func(t *testing.T) {
		w.secrets["payments/smtp"] = nil
		sessions := len(w.smtp.Sessions())
		r := mailResult(t, w.send(t, m, nil))
		if !strings.HasPrefix(r.Failure, "tollgate may not read the Secret payments/smtp: someone who may read it grants") {
			t.Errorf("failure %q", r.Failure)
		}
		if got := len(w.smtp.Sessions()); got != sessions {
			t.Errorf("the SMTP server had %d new sessions, want none", got-sessions)
		}
	})
	t.Run("a signing secret not of the Standard Webhooks form is not quoted", func(t *testing.T) {
		w.secrets["payments/hook"] = map[string][]byte{SecretKeySigning: []byte("hunter2-not-a-whsec")}
		r := w.send(t, m, nil)[0]
		if !strings.Contains(r.Failure, errSigningSecret.Error()) || strings.Contains(r.Failure, "hunter2") {
			t.Errorf("failure %q", r.Failure)
		}
	})
}

func mailResult(t *testing.T, results []Result) Result {
	t.Helper()
	for _, r := range results {
		if r.Type == ChannelEmail {
			return r
		}
	}
	t.Fatalf("no e-mail result in %+v", results)
	return Result{}
}

// counts reads tollgate_notifications_total as the manager serves it.
func counts(t *testing.T) map[string]float64 {
	t.Helper()
	families, err := crmetrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "tollgate_notifications_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			out[label(m, "channel")+"/"+label(m, "result")] = m.GetCounter().GetValue()
		}
	}
	return out
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// delta is how counts moved since before, as a comparable string.
func delta(t *testing.T, before map[string]float64) string {
	t.Helper()
	out := map[string]float64{}
	for k, v := range counts(t) {
		if d := v - before[k]; d != 0 {
			out[k] = d
		}
	}
	return fmt.Sprint(out)
}

// moved is counts' moves as delta writes them.
func moved(m map[string]float64) string { return fmt.Sprint(m) }

// A Notifier that names no timeout and no EHLO name sends with the defaults, not at once out of time.
func TestSend_Defaults(t *testing.T) {
	w := newWorld(t, smtptest.Options{TLS: smtptest.StartTLS, Mechanisms: []string{"PLAIN"}})
	w.notifier.Timeout, w.notifier.HelloName = 0, ""
	for _, r := range w.send(t, Ended(request(), "alice@example.com", "", ended), nil) {
		if r.Failure != "" {
			t.Errorf("%s: %s", r.Channel, r.Failure)
		}
	}
	if first := w.smtp.WaitSessions(t, 1)[0].Lines[0].Text; first != "EHLO localhost" {
		t.Errorf("the session began with %q", first)
	}
}

// A failure is what a server said as one line of text: it is shown in status, events and
// `kubectl tollgate describe`, where a receiver's terminal escapes, carriage returns and
// bidirectional overrides would be obeyed (net/http keeps a status line's reason as it came).
func TestSend_AFailureIsOneLineOfText(t *testing.T) {
	w := newWorld(t, smtptest.Options{TLS: smtptest.StartTLS, Mechanisms: []string{"PLAIN"}})
	srv, _ := webhookServer(t, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		conn, buf, err := http.NewResponseController(rw).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer func() { _ = conn.Close() }()
		_, _ = buf.WriteString("HTTP/1.1 503 \x1b]8;;https://evil.example.com\x07click\x1b]8;;\x07 \x1b[2J\u202Edetrevni\u202C\rover\r\n" +
			"Content-Length: 0\r\nConnection: close\r\n\r\n")
		_ = buf.Flush()
	}))
	w.config.Spec.Channels[1].Webhook.URL = srv.URL
	w.secrets["payments/hook-ca"][SecretKeyCA] = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	m, err := Waiting(request(), "security", "alice@example.com", received)
	if err != nil {
		t.Fatal(err)
	}
	results := w.send(t, m, nil)
	i := slices.IndexFunc(results, func(r Result) bool { return r.Type == ChannelWebhook })
	if i < 0 {
		t.Fatalf("no webhook result in %+v", results)
	}
	failure := results[i].Failure
	for _, said := range []string{"503", "click", "detrevni", "over"} {
		if !strings.Contains(failure, said) {
			t.Errorf("failure %q lacks %q: what the receiver said", failure, said)
		}
	}
	for _, c := range failure {
		if unicode.IsControl(c) || isBidiControl(c) {
			t.Errorf("failure %q holds %U", failure, c)
		}
	}
}
