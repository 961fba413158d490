package approval

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// Reading is a request as a reader sees it — its tally, its slots, what it waits for and who
// may act on it now — so the operator's conditions and printer columns, and the plugin's
// list, describe, wait and approve, say the same thing: Read is the one place it is worked out.
type Reading struct {
	// Tally counts the decisions Read was told to count.
	Tally Tally
	// Slots are the request's slots in its policy's order (PolicyOf): none while it waits for
	// its GatePolicy.
	Slots []SlotReading
	// Waits is what the request waits for.
	Waits Waits
	// Open says whether the request takes decisions: it has not ended and is not being deleted.
	Open bool
	// SelfApproval says whether its policy lets its requester decide a slot.
	SelfApproval bool
}

// SlotReading is one slot: who may decide it (its policy) and what became of it (its ledger
// entry; zero until the operator records the slot).
type SlotReading struct {
	v1.Approver
	Status v1.ApproverStatus
}

// Waits is what a request waits for. Nothing once it ended or is being deleted; its GatePolicy
// while it has not copied it (it has no slots then); its verdict's end once its counted
// decisions reached or lost the quorum (the execution reports the end; the slots still open no
// longer matter); otherwise the decisions of its undecided slots, and, before the execution
// handed out its first task token, the execution too.
type Waits struct {
	// Policy names the GatePolicy the request waits for ("" when it waits for none).
	Policy string
	// Execution is what the request waits for of its execution before the first task token
	// arrives ("" once one did): its start, or, started, its tasks.
	Execution string
	// Outcome: the verdict is in; the request waits for its execution to end.
	Outcome bool
	// Slots are the undecided slots whose decisions it waits for.
	Slots []SlotReading
}

// What the request waits for of its execution, in the words of Waits and its messages.
const (
	waitsForStart   = "its execution to start"
	waitsForTasks   = "its execution's task tokens"
	waitsForOutcome = "its execution's outcome"
)

// Recorded counts every ledger entry as it is recorded: for readers that cannot verify a
// decision's record (the plugin), unlike the operator (identity.Verified).
func Recorded(*v1.ApproverStatus) bool { return true }

// Read is the request as a reader sees it, its tally counting the ledger entries that pass
// counted.
func Read(req *v1.ApprovalRequest, counted func(*v1.ApproverStatus) bool) Reading {
	p := PolicyOf(req)
	r := Reading{
		Tally:        TallyOf(req, counted),
		Open:         !Ended(req.Status.Phase) && req.DeletionTimestamp.IsZero(),
		SelfApproval: AllowsSelfApproval(p),
	}
	for _, a := range Slots(p) {
		s := SlotReading{Approver: a}
		if e := Entry(req, a.Name); e != nil {
			s.Status = *e
		}
		r.Slots = append(r.Slots, s)
	}
	switch {
	case !r.Open:
	case p == nil:
		r.Waits.Policy = req.Spec.PolicyRef.Name
	case r.Tally.Verdict() != VerdictOpen:
		r.Waits.Outcome = true
	default:
		r.Waits.Slots = slices.DeleteFunc(slices.Clone(r.Slots), SlotReading.Decided)
		r.Waits.Execution = executionWait(req, r.Slots)
	}
	return r
}

// executionWait is what a request waits for of its execution before the first task token:
// its start, or the tasks of an execution started ("" once a token arrived). A token may
// arrive before the operator records the start.
func executionWait(req *v1.ApprovalRequest, slots []SlotReading) string {
	switch {
	case slices.ContainsFunc(slots, SlotReading.Deliverable):
		return ""
	case req.Status.ExecutionARN == "":
		return waitsForStart
	}
	return waitsForTasks
}

// Decided reports whether the slot has a decision (NotRequired included: it takes none).
func (s SlotReading) Decided() bool { return s.Status.Decision != "" }

// Deliverable reports whether the slot's task token has arrived: a decision on it can be
// delivered to Step Functions now.
func (s SlotReading) Deliverable() bool { return s.Status.TaskToken != "" }

// Admits reports whether the slot names user or one of groups.
func (s SlotReading) Admits(user string, groups []string) bool {
	return slices.Contains(s.Users, user) || slices.ContainsFunc(s.Groups, func(g string) bool { return slices.Contains(groups, g) })
}

// Who names the slot's people: "alice@example.com, group security-oncall".
func (s SlotReading) Who() string {
	names := slices.Clone(s.Users)
	for _, g := range s.Groups {
		names = append(names, "group "+g)
	}
	return strings.Join(names, ", ")
}

// Slot finds a slot by name.
func (r Reading) Slot(name string) (SlotReading, bool) {
	i := slices.IndexFunc(r.Slots, func(s SlotReading) bool { return s.Name == name })
	if i < 0 {
		return SlotReading{}, false
	}
	return r.Slots[i], true
}

// DecidedBy finds the slot user already decided, if any: one person counts once.
func (r Reading) DecidedBy(user string) (SlotReading, bool) {
	i := slices.IndexFunc(r.Slots, func(s SlotReading) bool { return s.Decided() && s.Status.DecidedBy == user })
	if i < 0 {
		return SlotReading{}, false
	}
	return r.Slots[i], true
}

// Bars reports whether user created the request (requester) and its policy does not let them
// decide it.
func (r Reading) Bars(user, requester string) bool {
	return requester != "" && user == requester && !r.SelfApproval
}

// OpenTo lists the slots user (a member of groups) may decide now: the request is open, user
// is not its requester (unless its policy allows self-approval), user decided none of its
// slots yet, and the slot is undecided and names user or one of groups. Whether the cluster's
// RBAC grants the verb approve is not asked: admission asks it when the decision is sent.
func (r Reading) OpenTo(user string, groups []string, requester string) []SlotReading {
	if !r.Open || r.Bars(user, requester) {
		return nil
	}
	if _, done := r.DecidedBy(user); done {
		return nil
	}
	var out []SlotReading
	for _, s := range r.Slots {
		if !s.Decided() && s.Admits(user, groups) {
			out = append(out, s)
		}
	}
	return out
}

// awaited lists what the request waits for, one item each; named says a slot by its name and
// who may decide it ("bob (bob@example.com)") rather than by its name alone.
func (w Waits) awaited(named func(SlotReading) string) []string {
	switch {
	case w.Policy != "":
		return []string{"its GatePolicy " + w.Policy}
	case w.Outcome:
		return []string{waitsForOutcome}
	}
	items := make([]string, 0, len(w.Slots)+1)
	for _, s := range w.Slots {
		items = append(items, named(s))
	}
	if w.Execution != "" {
		items = append(items, w.Execution)
	}
	return items
}

// WaitingFor says what the request waits for, naming who may decide each slot it waits for
// ("bob (bob@example.com), security (group security-oncall)"; "" for nothing), in at most
// limit characters (none when limit is 0): the items that do not fit are counted ("… and 2
// more").
func (r Reading) WaitingFor(limit int) string {
	return abridge(r.Waits.awaited(func(s SlotReading) string { return s.Name + " (" + s.Who() + ")" }), limit)
}

// Summary is the request's tally and what it waits for, by slot name, in one line for
// messages: "1/2 approvals; waiting for security".
func (r Reading) Summary() string {
	line := r.Tally.String() + " approvals"
	if items := r.Waits.awaited(func(s SlotReading) string { return s.Name }); len(items) > 0 {
		line += "; waiting for " + strings.Join(items, ", ")
	}
	return line
}

// abridge joins items with commas in at most limit characters (runes, as the API server
// counts a string's maxLength; no limit when 0), counting the items left out ("a, b and 3
// more"), and cutting the first item itself when not even it fits.
func abridge(items []string, limit int) string {
	line := strings.Join(items, ", ")
	if limit <= 0 || utf8.RuneCountInString(line) <= limit {
		return line
	}
	for n := len(items) - 1; n > 0; n-- {
		if line = strings.Join(items[:n], ", ") + more(len(items)-n); utf8.RuneCountInString(line) <= limit {
			return line
		}
	}
	suffix := "…" + more(len(items)-1)
	line = string([]rune(items[0])[:max(limit-utf8.RuneCountInString(suffix), 0)]) + suffix
	return string([]rune(line)[:limit]) // for a limit shorter than the suffix itself
}

// more counts the items a line leaves out (" and 3 more"; "" for none).
func more(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" and %d more", n)
}
