package notify

import (
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// The task tokens of the fixture's request, sealed and raw: nothing any receiver gets may hold
// either.
const (
	rawToken    = "AAAAKgAAAAIAAAAAAAAAAbm9ZmMwYjc1LTRhYjYtNDc2OC1hOGI5LWZkMjA3YmJhZGE0Zg"
	sealedToken = "sealed.v1.b64:QkFEVE9LRU4tc2VhbGVkLXRhc2stdG9rZW4tZm9yLWJvYg"
)

// markupDescription is a description that tries everything: markup, a header, a line that looks
// like tollgate's own command, a bidirectional override, control characters.
const markupDescription = "<script>alert('x')</script> <b>Deploy</b> & roll back\r\n" +
	"Bcc: everyone@example.com\r\n" +
	"kubectl tollgate approve other-request -n prod\n" +
	"\u202Eesaeler\u202C \x1b[31m{{ .Secret }} ${HOME} `id` *bold* _it_ [link](https://evil.example.com) =?utf-8?q?hidden?="

var (
	created  = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	received = created.Add(2 * time.Minute)
	ended    = created.Add(3 * time.Hour)
)

// longComment is a comment of 1,024 characters, the longest a decision takes, with markup.
var longComment = strings.Repeat("<i>no</i> & ", 86)[:v1.MaxCommentLength-len("<b>end</b>")] + "<b>end</b>"

// request is an ApprovalRequest of two slots whose status holds both slots' tokens; bob's slot
// rejected with the longest comment.
func request() *v1.ApprovalRequest {
	timeout := metav1.Duration{Duration: 72 * time.Hour}
	decided := metav1.NewTime(ended)
	return &v1.ApprovalRequest{
		ObjectMeta: metav1.ObjectMeta{Namespace: "payments", Name: "deploy-v42", UID: "6f2c1d9e-0000-4000-8000-000000000042", CreationTimestamp: metav1.NewTime(created)},
		Spec: v1.ApprovalRequestSpec{
			Description: markupDescription,
			Approvers: []v1.Approver{
				{Name: "security", Groups: []string{"security-oncall"}, Users: []string{"carol@example.com"}},
				{Name: "bob", Users: []string{"bob@example.com"}},
			},
			Timeout: &timeout,
		},
		Status: v1.ApprovalRequestStatus{
			Phase: v1.PhaseRejected,
			Approvers: []v1.ApproverStatus{
				{Name: "security", TaskToken: sealedToken, TokenReceivedAt: &metav1.Time{Time: received}, Record: "record-security"},
				{Name: "bob", TaskToken: rawToken, Decision: v1.DecisionReject, DecidedBy: "bob@example.com", DecidedAt: &decided, Comment: longComment, Record: "record-bob"},
			},
		},
	}
}
