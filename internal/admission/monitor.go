package admission

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/go-logr/logr"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Monitor knows, from the operator, whether tollgate's admission is in force now and whether it
// was when a decision record first appeared. It keeps a timeline of the webhook configurations'
// state, ordered by resourceVersion (the etcd revision of each change), and the revision at
// which each record not yet in a ledger first appeared; a record that appeared at a revision
// where the configurations were not in force was written while nobody checked who wrote it.
// What it cannot know: a gap that opened and closed while no operator ran (see the README's
// security model).
type Monitor struct {
	// Reader reads uncached (the coverage check); Cache gives the informers; Probe tries
	// admission with a forged write (nil: no probe).
	Reader client.Reader
	Cache  cache.Cache
	Probe  *Probe
	Log    logr.Logger
	// ProbeInterval is how often the probe runs once it passed.
	ProbeInterval time.Duration
	// OnInForce is called when admission comes in force (again): held decisions can go on.
	OnInForce func()

	mu         sync.Mutex
	timeline   []state             // by revision, ascending; empty until Seed
	covered    uint64              // the timeline is complete through this revision
	seen       map[string]uint64   // configuration (kind/name) → revision the informer last saw (0: deleted)
	firstSeen  map[[32]byte]uint64 // record (holder UID, text) → revision it first appeared at
	probed     bool                // the probe passed once at least
	wasInForce bool                // what report last said
	probeWhy   string              // why the probe failed last ("" when it passed)
}

// state is what the configurations said from a revision on.
type state struct {
	rv      uint64
	inForce bool
	why     string
}

// errCatchingUp: the timeline is not yet known through a record's revision.
var errCatchingUp = errors.New("the operator has not yet seen tollgate's admission configuration through that revision")

// InForce reports whether tollgate's admission is in force now: its configurations as they must
// be, and the probe passing.
func (m *Monitor) InForce() (bool, string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.inForce()
}

// inForce is InForce with m.mu held.
func (m *Monitor) inForce() (bool, string) {
	switch {
	case len(m.timeline) == 0:
		return false, "not checked yet"
	case !m.timeline[len(m.timeline)-1].inForce:
		return false, m.timeline[len(m.timeline)-1].why
	case m.Probe != nil && !m.probed:
		return false, "a forged write has not been tried yet"
	case m.probeWhy != "":
		return false, m.probeWhy
	}
	return true, ""
}

// WrittenWhileAway reports whether a record first appeared (on holder, the request or decision
// that carries it) while tollgate's admission configurations were not in force. A record the
// operator has not seen appear, or whose revision the timeline does not reach yet, is an error:
// ask again shortly.
func (m *Monitor) WrittenWhileAway(ctx context.Context, holder types.UID, record string) (bool, error) {
	m.mu.Lock()
	rv, ok := m.firstSeen[recordKey(holder, record)]
	covered := m.covered
	m.mu.Unlock()
	if !ok {
		return false, errors.New("the operator has not yet seen this record appear")
	}
	if rv > covered {
		if err := m.cover(ctx); err != nil {
			return false, err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if rv > m.covered {
		return false, errCatchingUp
	}
	s := m.at(rv)
	return !s.inForce, nil
}

// at is the state at revision rv: the last change at or before it; a record older than the
// timeline is judged by its first state (what the operator found when it started).
func (m *Monitor) at(rv uint64) state {
	s := m.timeline[0]
	for _, t := range m.timeline {
		if t.rv > rv {
			break
		}
		s = t
	}
	return s
}

// Seed reads the configurations (uncached) and starts the timeline with what they say.
func (m *Monitor) Seed(ctx context.Context) error {
	rv, inForce, why, items, err := m.list(ctx)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seen = items
	m.timeline = []state{{rv, inForce, why}}
	m.covered = rv
	m.report()
	if !inForce {
		m.Log.Error(nil, "tollgate's admission is not in force: decisions are neither recorded nor sent until it is", "why", why)
	}
	return nil
}

// cover extends the timeline's coverage to the present: it lists the configurations (uncached)
// and, when the informer has seen each of them as the list has it, the timeline is complete
// through the list's revision.
func (m *Monitor) cover(ctx context.Context) error {
	rv, _, _, items, err := m.list(ctx)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for name, at := range items {
		if m.seen[name] != at {
			return errCatchingUp
		}
	}
	for name, at := range m.seen {
		if at != 0 && items[name] == 0 {
			return errCatchingUp
		}
	}
	m.covered = max(m.covered, rv)
	return nil
}

// list reads both kinds of webhook configuration uncached: the list's revision, what they say,
// and each configuration's revision.
func (m *Monitor) list(ctx context.Context) (uint64, bool, string, map[string]uint64, error) {
	var mutating admissionregistrationv1.MutatingWebhookConfigurationList
	var validating admissionregistrationv1.ValidatingWebhookConfigurationList
	if err := m.Reader.List(ctx, &mutating); err != nil {
		return 0, false, "", nil, fmt.Errorf("listing mutating webhook configurations: %w", err)
	}
	if err := m.Reader.List(ctx, &validating); err != nil {
		return 0, false, "", nil, fmt.Errorf("listing validating webhook configurations: %w", err)
	}
	items := map[string]uint64{}
	for i := range mutating.Items {
		items["mutating/"+mutating.Items[i].Name] = revision(mutating.Items[i].ResourceVersion)
	}
	for i := range validating.Items {
		items["validating/"+validating.Items[i].Name] = revision(validating.Items[i].ResourceVersion)
	}
	inForce, why := Evaluate(mutating.Items, validating.Items)
	return max(revision(mutating.ResourceVersion), revision(validating.ResourceVersion)), inForce, why, items, nil
}

// revision reads a resourceVersion as the etcd revision it is (0 when it is not a number).
func revision(rv string) uint64 {
	n, _ := strconv.ParseUint(rv, 10, 64)
	return n
}

// recordKey identifies a record on the object that carries it.
func recordKey(holder types.UID, record string) [32]byte {
	return sha256.Sum256([]byte(string(holder) + "\x00" + record))
}
