package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// receiver is a webhook endpoint as a careful receiver writes one, from the Standard Webhooks
// specification alone (no code of the sender's): it verifies the signature over
// "<webhook-id>.<webhook-timestamp>.<body>", refuses a timestamp outside its window (by its own
// clock) and an id it already took (a replay).
type receiver struct {
	key    []byte
	window time.Duration
	now    func() time.Time

	mu       sync.Mutex
	seen     map[string]bool
	accepted []delivery
	refused  []string
	// status, when set, is what the receiver answers to a valid delivery instead of 204.
	status int
}

// delivery is a request the receiver took, as it arrived.
type delivery struct {
	Header http.Header
	Body   []byte
}

func newReceiver(key []byte, now func() time.Time) *receiver {
	return &receiver{key: key, window: 5 * time.Minute, now: now, seen: map[string]bool{}}
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "unreadable", http.StatusBadRequest)
		return
	}
	status, why := rc.verify(r, body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if status == 0 && rc.seen[r.Header.Get("webhook-id")] {
		status, why = http.StatusConflict, "replayed: id already taken"
	}
	if status != 0 {
		rc.refused = append(rc.refused, why)
		http.Error(w, why, status)
		return
	}
	if rc.status != 0 {
		w.WriteHeader(rc.status)
		return
	}
	rc.seen[r.Header.Get("webhook-id")] = true
	rc.accepted = append(rc.accepted, delivery{Header: r.Header.Clone(), Body: body})
	w.WriteHeader(http.StatusNoContent)
}

// verify is the specification's check; 0 when the request passes.
func (rc *receiver) verify(r *http.Request, body []byte) (int, string) {
	id, ts, sigs := r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"), r.Header.Get("webhook-signature")
	if r.Method != http.MethodPost || id == "" || ts == "" || sigs == "" {
		return http.StatusBadRequest, "missing headers"
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return http.StatusBadRequest, "bad timestamp"
	}
	if d := rc.now().Sub(time.Unix(sec, 0)); d > rc.window || d < -rc.window {
		return http.StatusUnauthorized, fmt.Sprintf("timestamp outside the window (%v)", d)
	}
	mac := hmac.New(sha256.New, rc.key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	for s := range strings.FieldsSeq(sigs) {
		if hmac.Equal([]byte(s), []byte(want)) {
			return 0, ""
		}
	}
	return http.StatusUnauthorized, "no valid signature"
}

// answer makes the receiver answer status to valid deliveries (0: take them).
func (rc *receiver) answer(status int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.status = status
}

func (rc *receiver) got() ([]delivery, []string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]delivery(nil), rc.accepted...), append([]string(nil), rc.refused...)
}
