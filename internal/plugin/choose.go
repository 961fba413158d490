package plugin

import (
	"fmt"
	"strings"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
)

// chooseSlot picks the slot p decides on req: the one --slot names (wanted), else the one
// open slot that names p or one of p's groups. It refuses what the request can no longer take
// (it ended, the slot or another slot by p is decided), as cert-manager's `cmctl approve`
// refuses an approved CertificateRequest, and a choice it cannot make alone. Whether p may
// decide the slot it leaves to the admission webhook when --slot names it.
func chooseSlot(req *v1.ApprovalRequest, p person, wanted string) (string, error) {
	ref := req.Namespace + "/" + req.Name
	switch {
	case approval.Ended(req.Status.Phase):
		return "", fmt.Errorf("ApprovalRequest %s is already %s: it takes no more decisions", ref, req.Status.Phase)
	case !req.DeletionTimestamp.IsZero():
		return "", fmt.Errorf("ApprovalRequest %s is being deleted: it takes no more decisions", ref)
	}
	if wanted != "" {
		return namedSlot(req, wanted)
	}
	if s, done := decidedBy(req, p); done {
		return "", fmt.Errorf("you (%s) already decided slot %s of ApprovalRequest %s: %s; one person counts once", p.Username, s.Name, ref, decisionText(s))
	}
	open := openSlotsFor(req, p)
	switch len(open) {
	case 1:
		return open[0].Name, nil
	case 0:
		return "", noSlotFor(req, p)
	}
	return "", fmt.Errorf("you (%s) may decide %d slots of ApprovalRequest %s: %s; choose one with --slot",
		p, len(open), ref, strings.Join(slotNames(open), ", "))
}

// namedSlot checks the slot --slot names exists and is open.
func namedSlot(req *v1.ApprovalRequest, name string) (string, error) {
	ref := req.Namespace + "/" + req.Name
	r := readingOf(req)
	s, ok := r.Slot(name)
	switch {
	case !ok:
		return "", fmt.Errorf("ApprovalRequest %s has no slot %q (its slots: %s)", ref, name, strings.Join(slotNames(r.Slots), ", "))
	case s.Decided():
		return "", fmt.Errorf("slot %s of ApprovalRequest %s is already decided: %s; a decision is final", name, ref, decisionText(s))
	}
	return name, nil
}

// noSlotFor explains why p has no open slot on req.
func noSlotFor(req *v1.ApprovalRequest, p person) error {
	ref := req.Namespace + "/" + req.Name
	r := readingOf(req)
	if r.Bars(p.Username, requesterOf(req)) {
		return fmt.Errorf("you (%s) created ApprovalRequest %s and may not decide it (its policy says allowSelfApproval: false)", p.Username, ref)
	}
	var mine, others []string
	for _, s := range r.Slots {
		if s.Admits(p.Username, p.Groups) {
			mine = append(mine, fmt.Sprintf("%s (%s)", s.Name, decisionText(s)))
		} else {
			others = append(others, fmt.Sprintf("%s (%s)", s.Name, s.Who()))
		}
	}
	if len(mine) > 0 {
		return fmt.Errorf("every slot of ApprovalRequest %s you (%s) may decide is already decided: %s", ref, p.Username, strings.Join(mine, ", "))
	}
	return fmt.Errorf("you (%s) are not an approver of ApprovalRequest %s: its slots are %s", p, ref, strings.Join(others, "; "))
}

// decisionText says what was decided on a slot: "Approve by bob@example.com at 2026-…".
func decisionText(s approval.SlotReading) string {
	if !s.Decided() {
		return "open"
	}
	text := string(s.Status.Decision)
	if s.Status.DecidedBy != "" {
		text += " by " + s.Status.DecidedBy
	}
	if s.Status.DecidedAt != nil {
		text += " at " + s.Status.DecidedAt.UTC().Format(timeLayout)
	}
	return text
}

// timeLayout prints times as the API server stores them (RFC 3339, UTC).
const timeLayout = "2006-01-02T15:04:05Z"
