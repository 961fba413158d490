package identity

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// The paths a decision can take, as its record names them.
const (
	ViaAnnotation       = "annotation"
	ViaApproverDecision = "ApproverDecision"
)

// recordVersion tags the records this code writes.
const recordVersion = 1

// MinKeyBytes is the shortest record key accepted (HMAC-SHA256 wants 32 bytes of entropy).
const MinKeyBytes = 32

// ErrUnverified marks a record that is missing, malformed, or not signed with the operator's key.
var ErrUnverified = errors.New("not a record of tollgate's admission webhook")

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

// NewDecision builds the record of a decision on req.
func NewDecision(req *v1.ApprovalRequest, slot string, d v1.Decision, comment, via string, by User, at time.Time) Decision {
	return Decision{
		Version:       recordVersion,
		ID:            randomID(),
		Request:       RequestRef{Namespace: req.Namespace, Name: req.Name, UID: string(req.UID)},
		Slot:          slot,
		Decision:      d,
		CommentSHA256: commentDigest(comment),
		Via:           via,
		By:            by.recorded(),
		// To the millisecond: the operator measures decision → SendTask from it.
		At: at.UTC().Truncate(time.Millisecond),
	}
}

// NewRequester builds the record of who creates req.
func NewRequester(req *v1.ApprovalRequest, by User, at time.Time) (Requester, error) {
	digest, err := SpecDigest(&req.Spec)
	if err != nil {
		return Requester{}, err
	}
	return Requester{
		Version: recordVersion, Namespace: req.Namespace, Name: req.Name, GenerateName: req.GenerateName,
		SpecSHA256: digest, By: by.recorded(), At: at.UTC().Truncate(time.Second),
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

// Signer signs and verifies records with the key only the operator and its webhook hold.
type Signer struct{ key []byte }

// NewSigner returns a Signer for key (at least MinKeyBytes bytes).
func NewSigner(key []byte) (*Signer, error) {
	if len(key) < MinKeyBytes {
		return nil, fmt.Errorf("the record key has %d bytes; at least %d are needed", len(key), MinKeyBytes)
	}
	return &Signer{key: append([]byte(nil), key...)}, nil
}

// Record kinds, mixed into the MAC so that one kind can never pass for another.
const (
	kindDecision  = "tollgate.dev/decision"
	kindRequester = "tollgate.dev/requester"
)

// SignDecision returns the record as the JSON text stored in annotations and status.
func (s *Signer) SignDecision(d Decision) (string, error) { return seal(s, kindDecision, &d, &d.MAC) }

// VerifyDecision reads a decision record and checks its signature.
func (s *Signer) VerifyDecision(text string) (Decision, error) {
	var d Decision
	return d, unseal(s, kindDecision, text, &d, &d.MAC)
}

// SignRequester returns the requester record as JSON text.
func (s *Signer) SignRequester(r Requester) (string, error) {
	return seal(s, kindRequester, &r, &r.MAC)
}

// VerifyRequester reads a requester record and checks its signature.
func (s *Signer) VerifyRequester(text string) (Requester, error) {
	var r Requester
	return r, unseal(s, kindRequester, text, &r, &r.MAC)
}

// RequesterOf returns the verified creator of a request.
func (s *Signer) RequesterOf(req *v1.ApprovalRequest) (User, error) {
	text, ok := req.Annotations[v1.RequesterAnnotation]
	if !ok {
		return User{}, fmt.Errorf("%w: the request has no %s annotation", ErrUnverified, v1.RequesterAnnotation)
	}
	r, err := s.VerifyRequester(text)
	if err != nil {
		return User{}, err
	}
	if err := r.Binds(req); err != nil {
		return User{}, fmt.Errorf("%w: %v", ErrUnverified, err)
	}
	return r.By, nil
}

// seal signs the canonical JSON of rec (with an empty MAC) and returns rec with its MAC.
func seal[T any](s *Signer, kind string, rec *T, mac *string) (string, error) {
	*mac = ""
	body, err := json.Marshal(rec)
	if err != nil {
		return "", fmt.Errorf("encoding a %s record: %w", kind, err)
	}
	*mac = s.sum(kind, body)
	out, err := json.Marshal(rec)
	if err != nil {
		return "", fmt.Errorf("encoding a %s record: %w", kind, err)
	}
	return string(out), nil
}

// unseal decodes text strictly into rec and checks the MAC over its canonical JSON.
func unseal[T any](s *Signer, kind, text string, rec *T, mac *string) error {
	if text == "" {
		return fmt.Errorf("%w: there is no record", ErrUnverified)
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(rec); err != nil || dec.More() {
		return fmt.Errorf("%w: the record does not parse", ErrUnverified)
	}
	got := *mac
	*mac = ""
	body, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnverified, err)
	}
	if !hmac.Equal([]byte(got), []byte(s.sum(kind, body))) {
		return fmt.Errorf("%w: its signature does not match (forged, altered, or signed with another key)", ErrUnverified)
	}
	*mac = got
	return nil
}

func (s *Signer) sum(kind string, body []byte) string {
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write(body)
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// SpecDigest is a digest of a request's spec in a canonical JSON form (object keys sorted,
// numbers as the API server's JSON carries them), so the webhook and the controller compute
// the same digest from their own copies.
func SpecDigest(spec *v1.ApprovalRequestSpec) (string, error) {
	raw, err := json.Marshal(spec)
	if err != nil {
		return "", fmt.Errorf("encoding the spec: %w", err)
	}
	var generic any
	if err := json.Unmarshal(raw, &generic); err != nil {
		return "", fmt.Errorf("normalising the spec: %w", err)
	}
	canonical, err := json.Marshal(generic)
	if err != nil {
		return "", fmt.Errorf("normalising the spec: %w", err)
	}
	sum := sha256.Sum256(canonical)
	return hex.EncodeToString(sum[:]), nil
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

// VerifyWrite reads the record a decision carries and checks that tollgate's admission wrote it
// for exactly this decision: this request, slot, verdict and comment, by this path (via). The
// caller then checks who it names against who writes (the guard) or re-runs the identity check
// for them (the controller).
func (s *Signer) VerifyWrite(text string, req *v1.ApprovalRequest, slot string, d v1.Decision, comment, via string) (Decision, error) {
	rec, err := s.VerifyDecision(text)
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
