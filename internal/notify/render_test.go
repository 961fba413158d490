package notify

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"slices"
	"strings"
	"testing"
)

// mailHeaders are the headers every mail has, and no other.
var mailHeaders = []string{"Auto-Submitted", "Content-Transfer-Encoding", "Content-Type", "Date", "From", "Message-Id", "Mime-Version", "Subject", "To"}

// readMail parses a rendered mail as a mail reader would: its headers, the decoded subject
// and the decoded body.
func readMail(t testing.TB, raw []byte) (mail.Header, string, string) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("not a mail: %v\n%s", err, raw)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("subject %q: %v", msg.Header.Get("Subject"), err)
	}
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatalf("body: %v", err)
	}
	return msg.Header, subject, string(body)
}

// checkMailShape fails unless a mail has exactly tollgate's headers, lines SMTP carries, and a
// one-line subject.
func checkMailShape(t testing.TB, raw []byte, header mail.Header, subject string) {
	t.Helper()
	keys := make([]string, 0, len(header))
	for k := range header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, mailHeaders) {
		t.Errorf("headers %v, want exactly %v", keys, mailHeaders)
	}
	for _, k := range keys {
		if len(header[k]) != 1 {
			t.Errorf("header %s appears %d times", k, len(header[k]))
		}
	}
	if strings.ContainsAny(subject, "\r\n") {
		t.Errorf("subject %q spans lines", subject)
	}
	for line := range strings.SplitSeq(string(raw), "\r\n") {
		if len(line) > 998 || strings.ContainsAny(line, "\r\n") {
			t.Errorf("a line SMTP cannot carry (%d bytes): %q", len(line), line)
		}
	}
}

func TestRenderMail_Waiting(t *testing.T) {
	m, err := Waiting(request(), "security", "alice@example.com", received)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := renderMail(m, "https://console.example.com/approvals/payments/deploy-v42", "tollgate@example.com",
		[]string{"carol@example.com", "security-oncall@lists.example.com"}, "msg_1", received)
	if err != nil {
		t.Fatal(err)
	}
	header, subject, body := readMail(t, raw)
	checkMailShape(t, raw, header, subject)
	if got := header.Get("From"); got != `"tollgate" <tollgate@example.com>` {
		t.Errorf("From %q", got)
	}
	to, err := header.AddressList("To")
	if err != nil || len(to) != 2 || to[0].Address != "carol@example.com" || to[1].Address != "security-oncall@lists.example.com" {
		t.Errorf("To %v (%v)", to, err)
	}
	if got := header.Get("Message-Id"); got != "<msg_1@example.com>" {
		t.Errorf("Message-ID %q", got)
	}
	if !strings.HasPrefix(subject, "[tollgate] Decision needed on payments/deploy-v42: <script>alert('x')</script> <b>Deploy</b>") {
		t.Errorf("subject %q", subject)
	}
	for _, want := range []string{
		"alice@example.com asks for a decision on payments/deploy-v42 (slot security):\r\n",
		"| <script>alert('x')</script> <b>Deploy</b> & roll back\r\n| Bcc: everyone@example.com\r\n| kubectl tollgate approve other-request -n prod\r\n",
		"| \uFFFDesaeler\uFFFD \uFFFD[31m{{ .Secret }}",
		"Decide by Fri, 04 Dec 2026 09:00 UTC.",
		"Approve:\r\n  kubectl tollgate approve deploy-v42 -n payments --slot security\r\n",
		"Reject:\r\n  kubectl tollgate reject deploy-v42 -n payments --slot security -m \"why\"\r\n",
		"  kubectl annotate approvalrequest deploy-v42 -n payments approvals.tollgate.dev/security=approve\r\n",
		"The request: https://console.example.com/approvals/payments/deploy-v42\r\n",
		"You are told because slot security names user carol@example.com, group security-oncall.",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the body lacks %q:\n%s", want, body)
		}
	}
	// The commands are tollgate's: the only line that approves starts the line after "Approve:".
	if n := strings.Count(body, "\r\n  kubectl tollgate approve"); n != 1 {
		t.Errorf("%d unquoted approve commands", n)
	}
}

// The end mail reports the decisions, the longest comment whole, quoted: markup is text.
func TestRenderMail_EndedWithTheLongestComment(t *testing.T) {
	if len(longComment) != 1024 {
		t.Fatalf("the comment is %d characters, want 1,024", len(longComment))
	}
	raw, err := renderMail(Ended(request(), "alice@example.com", "bob rejected:\r\nX-Injected: yes", ended), "", "tollgate@example.com", []string{"alice@example.com"}, "msg_2", ended)
	if err != nil {
		t.Fatal(err)
	}
	header, subject, body := readMail(t, raw)
	checkMailShape(t, raw, header, subject)
	if !strings.HasPrefix(subject, "[tollgate] payments/deploy-v42 Rejected: ") {
		t.Errorf("subject %q", subject)
	}
	for _, want := range []string{
		"payments/deploy-v42 ended: Rejected.\r\nWhy: bob rejected: X-Injected: yes\r\n",
		"Decisions:\r\n  bob: Reject by bob@example.com at Tue, 01 Dec 2026 12:00 UTC\r\n  | " + longComment + "\r\n",
		"You are told because you asked for it (alice@example.com).",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the body lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "The request:") {
		t.Error("a link without a link template")
	}
}

func TestRenderMail_RefusesAnAddressThatIsNotOne(t *testing.T) {
	m := Ended(request(), "alice@example.com", "", ended)
	for _, tc := range []struct{ from, to string }{
		{"tollgate@example.com", "alice@example.com\r\nBcc: x@example.com"},
		{"tollgate@example.com>\r\nBcc: x@example.com", "alice@example.com"},
		{"Tollgate <tollgate@example.com>", "alice@example.com"},
	} {
		if _, err := renderMail(m, "", tc.from, []string{tc.to}, "msg_3", ended); err == nil {
			t.Errorf("rendered a mail from %q to %q", tc.from, tc.to)
		}
	}
}

// A subject of any script stays within SMTP's lines, folded between encoded words.
func TestRenderMail_LongUnicodeSubject(t *testing.T) {
	req := request()
	req.Spec.Description = strings.Repeat("承認🔐", 400)
	raw, err := renderMail(Ended(req, "", "", ended), "", "tollgate@example.com", []string{"alice@example.com"}, "msg_4", ended)
	if err != nil {
		t.Fatal(err)
	}
	header, subject, _ := readMail(t, raw)
	checkMailShape(t, raw, header, subject)
	if !strings.HasSuffix(subject, "承認🔐承認…") {
		t.Errorf("subject %q", subject)
	}
}

// checkSubjectAsWritten renders m as a mail, checks its shape, and fails unless the subject a
// reader decodes is the one tollgate wrote.
func checkSubjectAsWritten(t *testing.T, m Message) {
	t.Helper()
	raw, err := renderMail(m, "", "tollgate@example.com", []string{"alice@example.com"}, "msg_6", ended)
	if err != nil {
		t.Fatal(err)
	}
	header, got, _ := readMail(t, raw)
	checkMailShape(t, raw, header, got)
	if want := subject(m); got != want {
		t.Errorf("the reader's subject %q, want %q", got, want)
	}
}

// A subject reads as it was written: text that looks like an RFC 2047 encoded-word is not decoded
// by the reader into what cleanText took out (a bidirectional override) or into other words.
func TestRenderMail_SubjectThatLooksEncoded(t *testing.T) {
	for _, description := range []string{
		"=?utf-8?q?=E2=80=AEesaeler?= by security",
		"=?utf-8?b?QXBwcm92ZWQgYnkgc2VjdXJpdHk=?=",
		"déjà =?utf-8?q?_Approved_?= vu",
	} {
		t.Run(description, func(t *testing.T) {
			req := request()
			req.Spec.Description = description
			checkSubjectAsWritten(t, Ended(req, "", "", ended))
		})
	}
}

func TestRenderEvent(t *testing.T) {
	w, err := Waiting(request(), "security", "alice@example.com", received)
	if err != nil {
		t.Fatal(err)
	}
	link := "https://console.example.com/approvals/payments/deploy-v42"
	for _, tc := range []struct {
		m          Message
		typ, subj  string
		checkExtra func(t *testing.T, data map[string]any)
	}{
		{w, EventTypeWaiting, "security", func(t *testing.T, data map[string]any) {
			slot := data["slot"].(map[string]any)
			if slot["name"] != "security" || slot["groups"].([]any)[0] != "security-oncall" {
				t.Errorf("slot %v", slot)
			}
			if c := data["commands"].(map[string]any); c["approve"] != "kubectl tollgate approve deploy-v42 -n payments --slot security" {
				t.Errorf("commands %v", c)
			}
		}},
		{Ended(request(), "alice@example.com", "bob rejected", ended), EventTypeEnded, "", func(t *testing.T, data map[string]any) {
			if data["phase"] != "Rejected" || data["reason"] != "bob rejected" {
				t.Errorf("phase %v, reason %v", data["phase"], data["reason"])
			}
			d := data["decisions"].([]any)[0].(map[string]any)
			if d["slot"] != "bob" || d["decision"] != "Reject" || d["comment"] != longComment || d["at"] != "2026-12-01T12:00:00Z" {
				t.Errorf("decision %v", d)
			}
		}},
	} {
		t.Run(string(tc.m.Kind), func(t *testing.T) {
			body, err := renderEvent(tc.m, link, "msg_5")
			if err != nil {
				t.Fatal(err)
			}
			// Markup reaches the receiver as JSON-escaped text: never as markup in the body.
			for _, s := range []string{"<script>", "<b>", "<i>", "\x1b", "\u202E"} {
				if bytes.Contains(body, []byte(s)) {
					t.Errorf("the body holds %q raw", s)
				}
			}
			var ev map[string]any
			if err := json.Unmarshal(body, &ev); err != nil {
				t.Fatal(err)
			}
			for k, want := range map[string]any{"specversion": "1.0", "id": "msg_5", "type": tc.typ, "datacontenttype": "application/json",
				"source": "/apis/approvals.tollgate.dev/v1alpha1/namespaces/payments/approvalrequests/deploy-v42"} {
				if ev[k] != want {
					t.Errorf("%s = %v, want %v", k, ev[k], want)
				}
			}
			if subj, _ := ev["subject"].(string); subj != tc.subj {
				t.Errorf("subject %q, want %q", subj, tc.subj)
			}
			data := ev["data"].(map[string]any)
			if data["description"] != cleanText(markupDescription) || data["link"] != link || data["deadline"] != "2026-12-04T09:00:00Z" || data["uid"] != "6f2c1d9e-0000-4000-8000-000000000042" {
				t.Errorf("data %v", data)
			}
			tc.checkExtra(t, data)
		})
	}
}

// FuzzRenderMail: whatever users and identity providers wrote (description, requester, reason,
// comment, the slot's people), the mail has tollgate's headers and no other, each once, its
// subject one line and read as it was written, every line one SMTP carries, and a body that
// decodes.
func FuzzRenderMail(f *testing.F) {
	f.Add(markupDescription, "alice@example.com", "why\r\nBcc: x", longComment, "group\r\nX: y")
	f.Add("=?utf-8?q?Bcc:_x?=", "", "", "", "")
	f.Add(strings.Repeat("é", 3000), "\x00", "\u2028", "\r", "\n")
	f.Fuzz(func(t *testing.T, description, requester, reason, comment, group string) {
		req := request()
		req.Spec.Description = description
		req.Spec.Approvers[0].Groups = []string{group}
		req.Status.Approvers[1].Comment = comment
		w, err := Waiting(req, "security", requester, received)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range []Message{w, Ended(req, requester, reason, ended)} {
			checkSubjectAsWritten(t, m)
		}
	})
}
