package plugin

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
)

type describeOptions struct {
	output string
}

func newDescribeCommand(s *session) *cobra.Command {
	o := &describeOptions{}
	cmd := &cobra.Command{
		Use:   "describe NAME",
		Short: "Show what a request waits for and whether you may decide it now, its approvers, decisions, comments, notifications, execution, conditions and timeline",
		Example: `  kubectl tollgate describe deploy-payments-v42
  kubectl tollgate describe deploy-payments-v42 -n team-a -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, s, args[0]) },
	}
	cmd.Flags().StringVarP(&o.output, "output", "o", "", "Output format: json or yaml (default: text).")
	return cmd
}

func (o *describeOptions) run(cmd *cobra.Command, s *session, name string) error {
	f, err := parseFormat(o.output)
	if err != nil {
		return err
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
	v := viewOf(req, decisions.Items)
	v.forPerson(req, decisions.Items, me)
	if f != formatTable {
		return printStructured(s.io.Out, f, v)
	}
	return printView(s.io.Out, &v)
}

// printView writes a request's view as kubectl describe writes objects: fields, then sections.
func printView(w io.Writer, v *requestView) error {
	var b strings.Builder
	for _, f := range headerFields(v) {
		value := f[1]
		if value == "" {
			value = "-"
		}
		fmt.Fprintf(&b, "%-15s%s\n", f[0]+":", value)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("writing the description: %w", err)
	}
	sections := []struct {
		title string
		print func(io.Writer) error
	}{
		{"Approvers (who may decide each slot):", func(w io.Writer) error { return printApprovers(w, v.Approvers) }},
		{"Decisions (ApproverDecisions):", func(w io.Writer) error { return printDecisions(w, v.Decisions) }},
		{"Notifications:", func(w io.Writer) error { return printNotifications(w, v.Notifications) }},
		{"Conditions:", func(w io.Writer) error { return printConditions(w, v) }},
		{"Timeline:", func(w io.Writer) error { return printTimeline(w, v.Timeline) }},
	}
	for _, section := range sections {
		if _, err := fmt.Fprintln(w, section.title); err != nil {
			return fmt.Errorf("writing the description: %w", err)
		}
		if err := section.print(w); err != nil {
			return err
		}
	}
	return nil
}

// headerFields are the name and value of each field above the sections.
func headerFields(v *requestView) [][2]string {
	policy := fmt.Sprintf("%d of %d approvals required", v.RequiredApprovals, len(v.Approvers))
	if v.AllowSelfApproval {
		policy += ", self-approval allowed"
	}
	timeout := fmt.Sprintf("%s (expires %s)", v.Timeout, timestamp(&v.ExpiresAt))
	if v.Timeout == "" {
		timeout = fmt.Sprintf("not set: the request waits until %s (364 days)", timestamp(&v.ExpiresAt))
	}
	return [][2]string{
		{"Name", v.Name},
		{"Namespace", v.Namespace},
		{"Description", v.Description},
		{"Requested by", v.RequestedBy},
		{"Phase", string(v.Phase)},
		{"Policy", describePolicy(v.Policy)},
		{"Approvals", strings.TrimSpace(v.Approvals + " (" + policy + ")")},
		{"Timeout", timeout},
		{"Execution", v.ExecutionARN},
		{"Waiting for", v.WaitingFor},
		{"May act now", mayActNow(v)},
	}
}

// mayActNow says whether the plugin's user may decide the request now, and on which slots.
func mayActNow(v *requestView) string {
	switch {
	case approval.Ended(v.Phase):
		return "no one: the request is " + string(v.Phase)
	case len(v.YourSlots) == 1:
		return fmt.Sprintf("you (%s), on slot %s", v.You, v.YourSlots[0])
	case len(v.YourSlots) > 1:
		return fmt.Sprintf("you (%s), on slots %s (choose one with --slot)", v.You, strings.Join(v.YourSlots, ", "))
	}
	return fmt.Sprintf("not you (%s)", v.You)
}

// describePolicy says which policy decides the request, and that a copy is final.
func describePolicy(p policyView) string {
	machine := ""
	if p.StateMachineARN != "" {
		machine = "; state machine " + p.StateMachineARN
	}
	switch {
	case p.Source == "inline":
		return "none: the request names its own approvers (spec.approvers)" + machine
	case !p.Captured:
		return fmt.Sprintf("GatePolicy %s, not copied yet: the request waits for it and has no slots", p.Name)
	}
	return fmt.Sprintf("GatePolicy %s as copied at %s (generation %d, digest %s): later edits change nothing for this request%s",
		p.Name, timestamp(p.CapturedAt), p.Generation, p.Digest, machine)
}

const indent = "  "

func printApprovers(w io.Writer, approvers []approverView) error {
	t := newIndentedTable(w, indent, "SLOT", "WHO", "DECISION", "DECIDED BY", "DECIDED AT", "DELIVERED", "COMMENT")
	for _, a := range approvers {
		who := approval.SlotReading{Approver: v1.Approver{Users: a.Users, Groups: a.Groups}}.Who()
		t.row(a.Slot, who, string(a.Decision), a.DecidedBy, timestamp(a.DecidedAt), timestamp(a.SentAt), abbreviate(a.Comment))
	}
	return t.flush()
}

func printDecisions(w io.Writer, decisions []decisionView) error {
	if len(decisions) == 0 {
		return printNone(w)
	}
	t := newIndentedTable(w, indent, "NAME", "SLOT", "DECISION", "BY", "PHASE", "CREATED", "MESSAGE")
	for _, d := range decisions {
		t.row(d.Name, d.Slot, string(d.Decision), d.DecidedBy, string(d.Phase), timestamp(&d.CreatedAt), d.Message)
	}
	return t.flush()
}

func printConditions(w io.Writer, v *requestView) error {
	if len(v.Conditions) == 0 {
		return printNone(w)
	}
	t := newIndentedTable(w, indent, "TYPE", "STATUS", "REASON", "SINCE", "MESSAGE")
	for _, c := range v.Conditions {
		t.row(c.Type, string(c.Status), c.Reason, timestamp(&c.LastTransitionTime), c.Message)
	}
	return t.flush()
}

func printTimeline(w io.Writer, events []event) error {
	t := newIndentedTable(w, indent, "AT", "WHAT")
	for _, e := range events {
		t.row(timestamp(&e.At), e.What)
	}
	return t.flush()
}

func printNone(w io.Writer) error {
	if _, err := fmt.Fprintln(w, indent+"none"); err != nil {
		return fmt.Errorf("writing the description: %w", err)
	}
	return nil
}
