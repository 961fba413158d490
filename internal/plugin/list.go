package plugin

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

type listOptions struct {
	allNamespaces bool
	allRequests   bool
	output        string
}

func newListCommand(s *session) *cobra.Command {
	o := &listOptions{}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the ApprovalRequests you can decide, and who is still missing",
		Long: `list shows the open ApprovalRequests with a slot you can decide now: the slot names you
(the kubeconfig's user, or --as/--as-group) or one of your groups, is undecided, and you
decided no other slot of the request and did not create it. --all-requests lists every
request instead. The MISSING column says what the request waits for: its undecided slots and
who may decide them (or its GatePolicy, its execution).`,
		Example: `  kubectl tollgate list
  kubectl tollgate list -A
  kubectl tollgate list --all-requests -o yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd, s) },
	}
	cmd.Flags().BoolVarP(&o.allNamespaces, "all-namespaces", "A", false, "List requests in every namespace.")
	cmd.Flags().BoolVar(&o.allRequests, "all-requests", false, "List every request, not only those you can decide.")
	cmd.Flags().StringVarP(&o.output, "output", "o", "", "Output format: json or yaml (default: a table). JSON and YAML print an ApprovalRequestList.")
	return cmd
}

func (o *listOptions) run(cmd *cobra.Command, s *session) error {
	f, err := parseFormat(o.output)
	if err != nil {
		return err
	}
	namespace := ""
	if !o.allNamespaces {
		if namespace, err = s.namespace(); err != nil {
			return err
		}
	}
	c, err := s.cluster()
	if err != nil {
		return err
	}
	me, err := c.whoAmI(cmd.Context())
	if err != nil {
		return err
	}
	list, err := c.requests(cmd.Context(), namespace)
	if err != nil {
		return err
	}
	decisions, err := c.decisions(cmd.Context(), namespace)
	if err != nil {
		return err
	}
	// What the ledger shows, and the decisions admitted but not recorded yet.
	merged := func(r *v1.ApprovalRequest) *v1.ApprovalRequest { return withPending(r, decisions.Items) }
	if !o.allRequests {
		list.Items = slices.DeleteFunc(list.Items, func(r v1.ApprovalRequest) bool { return len(openSlotsFor(merged(&r), me)) == 0 })
	}
	list.APIVersion, list.Kind = v1.GroupVersion.String(), "ApprovalRequestList"
	for i := range list.Items {
		list.Items[i].APIVersion, list.Items[i].Kind = v1.GroupVersion.String(), "ApprovalRequest"
	}
	if f != formatTable {
		return printStructured(s.io.Out, f, list)
	}
	if len(list.Items) == 0 {
		return o.printEmpty(s, me, namespace)
	}
	return o.printTable(s, me, list, merged)
}

func (o *listOptions) printEmpty(s *session, me person, namespace string) error {
	what := "ApprovalRequests you (" + me.String() + ") can decide"
	if o.allRequests {
		what = "ApprovalRequests"
	}
	_, err := fmt.Fprintf(s.io.ErrOut, "No %s%s.\n", what, inNamespace(namespace))
	return err
}

func (o *listOptions) printTable(s *session, me person, list *v1.ApprovalRequestList, merged func(*v1.ApprovalRequest) *v1.ApprovalRequest) error {
	header := []string{"NAME", "PHASE", "APPROVALS", "YOUR SLOTS", "MISSING", "AGE", "DESCRIPTION"}
	if o.allNamespaces {
		header = append([]string{"NAMESPACE"}, header...)
	}
	t := newTable(s.io.Out, header...)
	now := s.clock.Now()
	for i := range list.Items {
		r := &list.Items[i]
		m := merged(r)
		cells := []string{r.Name, string(r.Status.Phase), r.Status.Approvals, strings.Join(slotNames(openSlotsFor(m, me)), ","),
			readingOf(m).WaitingFor(0), age(now, r.CreationTimestamp), abbreviate(r.Spec.Description)}
		if o.allNamespaces {
			cells = append([]string{r.Namespace}, cells...)
		}
		t.row(cells...)
	}
	return t.flush()
}
