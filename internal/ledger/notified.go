package ledger

import (
	"context"
	"slices"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
)

// The schema's bounds on notification records (followup_types.go).
const (
	// MaxNotificationRecords is how many routes and channels a slot's notification, or the
	// end's, records.
	MaxNotificationRecords = 16
	maxFailureLength       = 512
)

// Note is one notification record to write: a slot's (Slot) or the request's end's (Slot ""),
// and the attempts the stored record of its route and channel must show for it to be written
// (After; 0: none stored). Compared on a fresh read, After is what makes a write the one writer
// of an attempt: two notifiers that computed the same attempt from the same record write it
// once, and an attempt's outcome replaces only the attempt it claimed.
type Note struct {
	Slot   string
	After  int32
	Record v1.NotificationRecord
}

// RecordNotified writes the notifier's records into the status of the request obj, as the
// caller last saw it, in one commit, and returns the notes it wrote and the request as stored:
// the notes whose stored record still showed After attempts, and was not delivered already.
// obj's resourceVersion guards the first try (a stale obj conflicts, and the request is read
// again, so the notes are checked against the request as stored); obj is not changed. The notes
// are about obj's UID: a request deleted and created again under its name is another. With
// whileDue, a note is written only while its notification is still due — the slot open (its
// token held, no decision, the request not ended), or the request ended for the end's — which
// is how an attempt is claimed before it is made; the outcome of an attempt made is written
// whatever happened since.
func RecordNotified(ctx context.Context, c client.Client, r client.Reader, obj *v1.ApprovalRequest,
	notes []Note, whileDue bool) ([]Note, *v1.ApprovalRequest, error) {
	var written []Note
	stored, err := Commit(ctx, c, r, client.ObjectKeyFromObject(obj), obj, func(o *v1.ApprovalRequest) (bool, error) {
		written = applyNotes(o, obj.UID, notes, whileDue)
		return len(written) > 0, nil
	}, func(_, _ *v1.ApprovalRequest) {})
	if err != nil {
		return nil, nil, client.IgnoreNotFound(err)
	}
	return written, stored, nil
}

// applyNotes writes the notes that hold on obj as it is stored, and returns them.
func applyNotes(obj *v1.ApprovalRequest, uid types.UID, notes []Note, whileDue bool) []Note {
	if obj.UID != uid {
		return nil
	}
	var written []Note
	for _, n := range notes {
		list := recordsOf(obj, n.Slot)
		if list == nil || (whileDue && !Due(obj, n.Slot)) {
			continue
		}
		i := slices.IndexFunc(*list, func(r v1.NotificationRecord) bool {
			return r.Route == n.Record.Route && r.Channel == n.Record.Channel
		})
		switch {
		case i < 0 && n.After == 0 && len(*list) < MaxNotificationRecords:
			*list = append(*list, clipped(n.Record))
		case i >= 0 && (*list)[i].Attempts == n.After && (*list)[i].Failure != "":
			// The next attempt claimed, or the outcome of the claimed one (After its number).
			(*list)[i] = clipped(n.Record)
		default:
			continue
		}
		written = append(written, n)
	}
	return written
}

// recordsOf is where a note about slot (the end's: "") is recorded; nil for a slot the status
// has no entry for.
func recordsOf(obj *v1.ApprovalRequest, slot string) *[]v1.NotificationRecord {
	if slot == "" {
		return &obj.Status.EndNotified
	}
	if s := approval.Entry(obj, slot); s != nil {
		return &s.Notified
	}
	return nil
}

// Due reports whether a notification is due on the request as it stands: a slot's (its token
// held, undecided, the request not ended) or the end's (slot "": the request ended).
func Due(obj *v1.ApprovalRequest, slot string) bool {
	if slot == "" {
		return obj.Status.Ended != nil
	}
	s := approval.Entry(obj, slot)
	ended := obj.Status.Ended != nil || approval.Ended(obj.Status.Phase)
	return !ended && s != nil && s.TokenReceivedAt != nil && s.Decision == ""
}

// clipped is a record within the schema's bounds: a failure longer than the schema takes is cut
// (on a character boundary) rather than refused with the whole write.
func clipped(r v1.NotificationRecord) v1.NotificationRecord {
	if len(r.Failure) <= maxFailureLength {
		return r
	}
	cut := maxFailureLength - len("…")
	for cut > 0 && !utf8.RuneStart(r.Failure[cut]) {
		cut--
	}
	r.Failure = r.Failure[:cut] + "…"
	return r
}
