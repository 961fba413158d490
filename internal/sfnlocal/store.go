package sfnlocal

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
)

// store keeps the state in Options.StateFile as an append-only journal
// (journal.go) of the records a change touched (records.go), so a change
// costs what it changed, not everything ever run: the earlier snapshot
// rewrote the whole state (26 MB at 1,000 requests) on every change, under
// mu. An embedded database (bbolt, SQLite) would do too; a journal needs no
// dependency, its bytes per change can be counted, and a torn tail is easy
// to detect and drop.
//
// Durability: each commit is one write(2) before the call is answered, so
// a killed or restarted endpoint loses nothing it answered. There is no
// fsync per commit (the snapshot had none either): a crash of the machine
// may lose the last commits, never the journal's consistency. A compaction
// is fsynced before it replaces the journal.
//
// Compaction: when the journal is over compactMinBytes and over twice what
// the live records take, they are written to a new file that replaces the
// journal (temporary file + rename). Its cost is paid back by the appends
// that made the journal grow, so a change costs O(change) amortized.
type store struct {
	path string
	log  *slog.Logger
	file *os.File // open for appending; nil once closed

	size    int64 // bytes in the journal
	live    int64 // bytes the live records take: about what a compaction writes
	sizes   map[recordKey]int64
	dirty   map[recordKey]struct{} // changed since the last commit
	written int64                  // every byte written, compactions included

	compactMinBytes int64
}

const defaultCompactMinBytes = 1 << 20

var errStoreClosed = errors.New("the state file is closed")

func newStore(path string, log *slog.Logger) *store {
	return &store{
		path: path, log: log,
		sizes: map[recordKey]int64{}, dirty: map[recordKey]struct{}{},
		compactMinBytes: defaultCompactMinBytes,
	}
}

// mark records that the record (kind, id) changed; a nil store (no state
// file) ignores it.
func (st *store) mark(kind, id string) {
	if st != nil {
		st.dirty[recordKey{kind, id}] = struct{}{}
	}
}

// commit appends the changed records as one frame, then compacts if the
// journal outgrew the live state. It runs under Server.mu.
func (st *store) commit(s *Server) error {
	if st == nil || len(st.dirty) == 0 {
		return nil
	}
	if st.file == nil {
		return errStoreClosed
	}
	var recs []record
	for k := range st.dirty {
		var err error
		if recs, err = s.appendRecords(recs, k); err != nil {
			return fmt.Errorf("save state: %w", err)
		}
	}
	payload, err := json.Marshal(recs)
	if err != nil {
		return fmt.Errorf("save state: encode: %w", err)
	}
	frame := appendFrame(nil, payload)
	if _, err := st.file.Write(frame); err != nil {
		return errors.Join(fmt.Errorf("save state: append to %s: %w", st.path, err), st.cutTo(st.size))
	}
	st.size += int64(len(frame))
	st.written += int64(len(frame))
	for _, r := range recs {
		st.account(r)
	}
	for k := range st.dirty {
		if k.kind == kindExecution {
			e := s.executions[k.id]
			e.savedEvents = len(e.Events)
		}
	}
	clear(st.dirty)
	if st.size > st.compactMinBytes && st.size > 2*st.live {
		// The change is saved already: a failed compaction leaves a valid,
		// longer journal, and the next commit tries again.
		if err := st.compact(s); err != nil {
			st.log.Error("sfnlocal: compact the state file", "err", err)
		}
	}
	return nil
}

// account keeps live and sizes up to date with r, just written or read.
func (st *store) account(r record) {
	n := recordBytes(r)
	if r.Kind == kindEvent {
		st.live += n
		return
	}
	k := recordKey{r.Kind, r.Key}
	st.live -= st.sizes[k]
	delete(st.sizes, k)
	if r.Value != nil {
		st.sizes[k] = n
		st.live += n
	}
}

// cutTo truncates the journal to its first n bytes and appends from there:
// a partial frame is cut off, so that later frames stay readable.
func (st *store) cutTo(n int64) error {
	if err := st.file.Truncate(n); err != nil {
		return fmt.Errorf("truncate %s: %w", st.path, err)
	}
	if _, err := st.file.Seek(n, io.SeekStart); err != nil {
		return fmt.Errorf("seek %s: %w", st.path, err)
	}
	return nil
}

// close closes the journal; commits fail from then on.
func (st *store) close() error {
	if st == nil || st.file == nil {
		return nil
	}
	err := st.file.Close()
	st.file = nil
	if err != nil {
		return fmt.Errorf("close the state file: %w", err)
	}
	return nil
}
