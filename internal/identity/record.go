package identity

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
)

// The paths a decision can take, as its record names them.
const (
	ViaAnnotation       = "annotation"
	ViaApproverDecision = "ApproverDecision"
)

// Record versions. Records of version 2 are not signed: what makes one trustworthy is that
// tollgate's admission checked, in the validating phase, that it names the person who wrote it
// (see internal/webhook/v1alpha1's guards), and that the operator confirms its admission was in
// force when the record appeared. Version 1 records were signed with a key the admission webhook
// held, which made the webhook an oracle: it signed for whoever a direct caller claimed to be.
// They are still read, checked with that key while it exists, so decisions made before an
// upgrade count.
const (
	recordVersion = 2
	legacyVersion = 1
)

// MinKeyBytes is the shortest legacy record key accepted (HMAC-SHA256 wants 32 bytes).
const MinKeyBytes = 32

// ErrUnverified marks a record that is missing, malformed, or of the signed form and not signed
// with the legacy key.
var ErrUnverified = errors.New("not a record of tollgate's admission")

// RequestRef names the ApprovalRequest a decision is bound to.
type RequestRef struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	UID       string `json:"uid"`
}

// Decision is what the admission webhook admitted: one person's verdict on one slot of one
// request, by one path, at one time.
type Decision struct {
	Version  int         `json:"v"`
	ID       string      `json:"id"`
	Request  RequestRef  `json:"request"`
	Slot     string      `json:"slot"`
	Decision v1.Decision `json:"decision"`
	// CommentSHA256 binds the comment without copying it (it may be long).
	CommentSHA256 string    `json:"commentSha256,omitempty"`
	Via           string    `json:"via"`
	By            User      `json:"by"`
	At            time.Time `json:"at"`
	MAC           string    `json:"mac,omitempty"`
}

// Requester is the record of who created a request. The API server gives a request its UID
// only after mutating admission, so the record binds the request by namespace, name and a
// digest of its (immutable) spec instead.
type Requester struct {
	Version      int       `json:"v"`
	Namespace    string    `json:"namespace"`
	Name         string    `json:"name,omitempty"`
	GenerateName string    `json:"generateName,omitempty"`
	SpecSHA256   string    `json:"specSha256"`
	By           User      `json:"by"`
	At           time.Time `json:"at"`
	MAC          string    `json:"mac,omitempty"`
}

// NewDecision builds the record of a decision on req. It keeps who decided as an audit needs
// it: the user name, uid and the groups that make them a member of the slot (a user may be in
// a thousand groups; the record must fit an annotation and the ledger), never the credential's
// extra fields.
func NewDecision(req *v1.ApprovalRequest, slot string, d v1.Decision, comment, via string, by User, at time.Time) Decision {
	var slotGroups []string
	if a := approverOf(req, slot); a != nil {
		slotGroups = a.Groups
	}
	return Decision{
		Version:       recordVersion,
		ID:            randomID(),
		Request:       RequestRef{Namespace: req.Namespace, Name: req.Name, UID: string(req.UID)},
		Slot:          slot,
		Decision:      d,
		CommentSHA256: commentDigest(comment),
		Via:           via,
		By:            by.recorded(slotGroups),
		// To the millisecond: the operator measures decision → SendTask from it.
		At: at.UTC().Truncate(time.Millisecond),
	}
}

// NewRequester builds the record of who creates req: their user name and uid.
func NewRequester(req *v1.ApprovalRequest, by User, at time.Time) (Requester, error) {
	digest, err := SpecDigest(&req.Spec)
	if err != nil {
		return Requester{}, err
	}
	return Requester{
		Version: recordVersion, Namespace: req.Namespace, Name: req.Name, GenerateName: req.GenerateName,
		SpecSHA256: digest, By: by.recorded(nil), At: at.UTC().Truncate(time.Second),
	}, nil
}

// Binds checks that a decision record is about this request, slot, verdict and comment.
func (d Decision) Binds(req *v1.ApprovalRequest, slot string, decision v1.Decision, comment string) error {
	switch {
	case d.Request.UID != string(req.UID):
		return fmt.Errorf("it was given to another ApprovalRequest named %s (uid %s), not to this one (uid %s)", d.Request.Name, d.Request.UID, req.UID)
	case d.Request.Namespace != req.Namespace || d.Request.Name != req.Name:
		return fmt.Errorf("it was given to ApprovalRequest %s/%s", d.Request.Namespace, d.Request.Name)
	case d.Slot != slot:
		return fmt.Errorf("it was given for slot %s, not %s", d.Slot, slot)
	case d.Decision != decision:
		return fmt.Errorf("it records %s, not %s", d.Decision, decision)
	case d.CommentSHA256 != commentDigest(comment):
		return errors.New("its comment was changed after it was admitted")
	}
	return nil
}

// Binds checks that a requester record was written for this request.
func (r Requester) Binds(req *v1.ApprovalRequest) error {
	digest, err := SpecDigest(&req.Spec)
	if err != nil {
		return err
	}
	named := r.Name == req.Name || r.Name == "" && r.GenerateName != "" && strings.HasPrefix(req.Name, r.GenerateName)
	if r.Namespace != req.Namespace || !named || r.SpecSHA256 != digest {
		return errors.New("it was written for another request")
	}
	return nil
}

// Record kinds, mixed into a version 1 record's MAC so that one kind never passed for another.
const (
	kindDecision  = "tollgate.dev/decision"
	kindRequester = "tollgate.dev/requester"
)

// WriteDecision returns the record as the JSON text stored in annotations and status.
func WriteDecision(d Decision) (string, error) { return write(kindDecision, &d, &d.Version, &d.MAC) }

// WriteRequester returns the requester record as JSON text.
func WriteRequester(q Requester) (string, error) { return write(kindRequester, &q, &q.Version, &q.MAC) }

// Records reads the records admission stored beside requests and decisions. A record is as
// trustworthy as the admission that stored it: the guards refuse any write of a record that
// does not name its writer. Version 1 records, signed before the upgrade, are checked with the
// key they were signed with while it is kept (nil: the key is retired, and a version 1 record
// in an annotation or an ApproverDecision no longer reads: decide again). Ledger entries are
// read by VerifyEntry, which does not need the key.
type Records struct {
	legacy []byte
}

// NewRecords returns Records that check version 1 records with legacyKey (nil: none read).
func NewRecords(legacyKey []byte) (*Records, error) {
	if legacyKey != nil && len(legacyKey) < MinKeyBytes {
		return nil, fmt.Errorf("the legacy record key has %d bytes; at least %d are needed", len(legacyKey), MinKeyBytes)
	}
	return &Records{legacy: legacyKey}, nil
}

// ReadDecision reads a decision record.
func (r *Records) ReadDecision(text string) (Decision, error) {
	var d Decision
	return d, r.check(kindDecision, text, &d, &d.Version, &d.MAC)
}

// ReadRequester reads a requester record.
func (r *Records) ReadRequester(text string) (Requester, error) {
	var q Requester
	return q, r.check(kindRequester, text, &q, &q.Version, &q.MAC)
}

// RequesterOf returns the creator of a request, as its requester record names them.
func (r *Records) RequesterOf(req *v1.ApprovalRequest) (User, error) {
	text, ok := req.Annotations[v1.RequesterAnnotation]
	if !ok {
		return User{}, fmt.Errorf("%w: the request has no %s annotation", ErrUnverified, v1.RequesterAnnotation)
	}
	q, err := r.ReadRequester(text)
	if err != nil {
		return User{}, err
	}
	if err := q.Binds(req); err != nil {
		return User{}, fmt.Errorf("%w: %v", ErrUnverified, err)
	}
	return q.By, nil
}

// VerifyWrite reads the record a decision carries and checks that it was written for exactly
// this decision: this request, slot, verdict and comment, by this path (via). The caller then
// checks who it names against who writes (the guard) or against the person's eligibility (the
// controller).
func (r *Records) VerifyWrite(text string, req *v1.ApprovalRequest, slot string, d v1.Decision, comment, via string) (Decision, error) {
	rec, err := r.ReadDecision(text)
	if err != nil {
		return rec, err
	}
	if err := rec.Binds(req, slot, d, comment); err != nil {
		return rec, err
	}
	if rec.Via != via {
		return rec, fmt.Errorf("it was admitted by %s, not by %s", rec.Via, via)
	}
	return rec, nil
}

// LegacyKeyKept reports whether version 1 records are still checked (their key is kept).
func (r *Records) LegacyKeyKept() bool { return len(r.legacy) > 0 }

// check reads a record and, for version 1, checks its signature with the legacy key.
func (r *Records) check(kind, text string, rec any, version *int, mac *string) error {
	if err := read(kind, text, rec, version, mac); err != nil || *version == recordVersion {
		return err
	}
	if len(r.legacy) == 0 {
		return fmt.Errorf("%w: a signed record of before version %d, and the key it was signed with is retired: decide again", ErrUnverified, recordVersion)
	}
	return verifyLegacy(r.legacy, kind, rec, mac)
}

// write encodes a record of the current version (unsigned).
func write[T any](kind string, rec *T, version *int, mac *string) (string, error) {
	*version, *mac = recordVersion, ""
	out, err := json.Marshal(rec)
	if err != nil {
		return "", fmt.Errorf("encoding a %s record: %w", kind, err)
	}
	return string(out), nil
}

// read decodes text strictly into rec: a version 2 record carries no MAC, a version 1 record
// one (not checked here: Records.check does).
func read(kind, text string, rec any, version *int, mac *string) error {
	if text == "" {
		return fmt.Errorf("%w: there is no %s record", ErrUnverified, kind)
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(rec); err != nil || dec.More() {
		return fmt.Errorf("%w: the record does not parse", ErrUnverified)
	}
	switch {
	case *version == recordVersion && *mac == "", *version == legacyVersion && *mac != "":
		return nil
	}
	return fmt.Errorf("%w: not a record of version %d (unsigned) or %d (signed)", ErrUnverified, recordVersion, legacyVersion)
}

// SpecDigest is a digest of a request's spec in a canonical JSON form (approval.Digest), so
// the webhook and the controller compute the same digest from their own copies.
func SpecDigest(spec *v1.ApprovalRequestSpec) (string, error) {
	digest, err := approval.Digest(spec)
	if err != nil {
		return "", fmt.Errorf("digesting the spec: %w", err)
	}
	return digest, nil
}

func commentDigest(c string) string {
	if c == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(c))
	return hex.EncodeToString(sum[:])
}

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}
