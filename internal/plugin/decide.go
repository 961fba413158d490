package plugin

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
)

// verb is approve or reject: the command's name, its decision, and how its outcome reads.
type verb struct {
	name     string
	decision v1.Decision
	past     string
}

var (
	approveVerb = verb{name: "approve", decision: v1.DecisionApprove, past: "approved"}
	rejectVerb  = verb{name: "reject", decision: v1.DecisionReject, past: "rejected"}
)

type decideOptions struct {
	verb    verb
	slot    string
	comment string
}

func newDecideCommand(s *session, v verb) *cobra.Command {
	o := &decideOptions{verb: v}
	cmd := &cobra.Command{
		Use:   v.name + " NAME [--slot SLOT] [-m COMMENT]",
		Short: fmt.Sprintf("%s%s an ApprovalRequest as you (creates an ApproverDecision)", strings.ToUpper(v.name[:1]), v.name[1:]),
		Long: fmt.Sprintf(`%s decides one slot of an ApprovalRequest as you: it creates an ApproverDecision, which
tollgate's admission webhook admits only if you may decide the slot (you are one of its users or
in one of its groups, RBAC grants you the verb approve on the request, you did not create it and
decided no other slot of it) and binds to the request and to you.

Without --slot, the slot is the one open slot that names you or one of your groups (who you are
comes from a SelfSubjectReview: the kubeconfig's user, or --as and --as-group). A request that
ended, or a slot already decided, is refused before anything is sent: a decision is final.`, v.name),
		Example: fmt.Sprintf(`  kubectl tollgate %[1]s deploy-payments-v42
  kubectl tollgate %[1]s deploy-payments-v42 --slot security -m "checked the change"`, v.name),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, s, args[0]) },
	}
	cmd.Flags().StringVar(&o.slot, "slot", "", "The approver slot to decide (default: your one open slot).")
	cmd.Flags().StringVarP(&o.comment, "message", "m", "", fmt.Sprintf("A comment for the decision (at most %d characters).", v1.MaxCommentLength))
	return cmd
}

func (o *decideOptions) run(cmd *cobra.Command, s *session, name string) error {
	if o.slot != "" || cmd.Flags().Changed("slot") {
		if _, err := parseSlot(o.slot); err != nil {
			return err
		}
	}
	if n := utf8.RuneCountInString(o.comment); n > v1.MaxCommentLength {
		return fmt.Errorf("the comment is %d characters long: at most %d", n, v1.MaxCommentLength)
	}
	c, req, err := s.target(cmd.Context(), name)
	if err != nil {
		return err
	}
	me, err := c.whoAmI(cmd.Context())
	if err != nil {
		return err
	}
	decisions, err := c.decisions(cmd.Context(), req.Namespace)
	if err != nil {
		return err
	}
	slotName, err := chooseSlot(withPending(req, decisions.Items), me, o.slot)
	if err != nil {
		return err
	}
	d := o.decisionFor(req, slotName)
	created, err := c.createDecision(cmd.Context(), d)
	if err != nil {
		return refusal(o.verb, req, slotName, err)
	}
	_, err = fmt.Fprintf(s.io.Out, "approverdecision.%s/%s created: slot %s of ApprovalRequest %s/%s %s by %s\n",
		v1.GroupVersion.Group, created.Name, slotName, req.Namespace, req.Name, o.verb.past, me.Username)
	return err
}

// decisionFor is the ApproverDecision a client sends: the request's name, the slot, the
// decision and the comment. The webhook adds the owner reference and the signed record of
// who decided; the operator writes the status.
func (o *decideOptions) decisionFor(req *v1.ApprovalRequest, slotName string) *v1.ApproverDecision {
	return &v1.ApproverDecision{
		ObjectMeta: metav1.ObjectMeta{Namespace: req.Namespace, GenerateName: decisionNamePrefix(req.Name, slotName)},
		Spec: v1.ApproverDecisionSpec{
			ApprovalRequestName: req.Name, Approver: slotName, Decision: o.verb.decision, Comment: o.comment,
		},
	}
}

// decisionNamePrefix is "<request>-<slot>-", cut to leave the API server room for its
// random suffix within a name's 253 characters.
func decisionNamePrefix(request, slotName string) string {
	const maxPrefix = 253 - 5
	prefix := request + "-" + slotName
	if len(prefix) > maxPrefix-1 {
		prefix = strings.TrimRight(prefix[:maxPrefix-1], "-.")
	}
	return prefix + "-"
}

// refusal explains a decision the API server did not take: the admission webhook's refusal
// as it gives it, RBAC's, or any other error.
func refusal(v verb, req *v1.ApprovalRequest, slotName string, err error) error {
	what := fmt.Sprintf("%s slot %s of ApprovalRequest %s/%s", v.name, slotName, req.Namespace, req.Name)
	var status apierrors.APIStatus
	switch {
	case errors.As(err, &status) && strings.Contains(status.Status().Message, "admission webhook "):
		return fmt.Errorf("tollgate refused to %s: %s%s", what, webhookMessage(status.Status()), slotMembers(status.Status(), req, slotName))
	case apierrors.IsForbidden(err):
		return fmt.Errorf("the API server refused to %s: %w", what, err)
	}
	return fmt.Errorf("could not %s: %w", what, err)
}

// slotMembers adds, to a refusal for someone the slot does not name, whom it names: the webhook
// says it briefly (it cannot tell who asks, so it tells nothing a caller could not read), and
// the plugin has read the request as you.
func slotMembers(st metav1.Status, req *v1.ApprovalRequest, slotName string) string {
	if st.Details == nil || len(st.Details.Causes) == 0 || st.Details.Causes[0].Type != v1.ReasonNotAnApprover {
		return ""
	}
	if a := approval.Slot(approval.PolicyOf(req), slotName); a != nil {
		return fmt.Sprintf(" (slot %s is for users [%s] and groups [%s])", slotName, orNone(a.Users), orNone(a.Groups))
	}
	return ""
}

// orNone lists names for a message, "none" for none.
func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// webhookMessage is the webhook's own words: the message of its refusal's cause, without the
// API server's `admission webhook "…" denied the request:` prefix.
func webhookMessage(st metav1.Status) string {
	if st.Details != nil {
		for _, c := range st.Details.Causes {
			if c.Message != "" {
				return c.Message
			}
		}
	}
	if _, msg, ok := strings.Cut(st.Message, "denied the request: "); ok {
		return msg
	}
	return st.Message
}
