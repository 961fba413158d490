package sfnlocal

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// compactBatchBytes bounds the frames a compaction writes.
const compactBatchBytes = 1 << 20

// compact writes every live record to a new journal that replaces the file
// at path, and appends to it from then on. It also creates the journal of a
// new state file, and replaces a migrated snapshot.
func (st *store) compact(s *Server) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(st.path), filepath.Base(st.path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	defer func() {
		if err == nil {
			return
		}
		err = errors.Join(err, tmp.Close())
		if rmErr := os.Remove(tmp.Name()); rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) {
			err = errors.Join(err, fmt.Errorf("compact: remove the temporary file: %w", rmErr))
		}
	}()
	fresh := newStore(st.path, st.log)
	fresh.compactMinBytes = st.compactMinBytes
	w := &frameWriter{w: bufio.NewWriter(tmp), store: fresh}
	if _, err := w.w.WriteString(journalMagic); err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	fresh.size = int64(len(journalMagic))
	if err := s.writeAll(w); err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	if err := w.flush(); err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	if err := w.w.Flush(); err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	if err := os.Rename(tmp.Name(), st.path); err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	old := st.file
	st.file, st.size, st.live, st.sizes = tmp, fresh.size, fresh.live, fresh.sizes
	st.written += fresh.size
	for _, e := range s.executions {
		e.savedEvents = len(e.Events)
	}
	if old != nil {
		if err := old.Close(); err != nil {
			st.log.Error("sfnlocal: close the replaced state file", "err", err)
		}
	}
	return nil
}

// writeAll writes every live record of the server to w.
func (s *Server) writeAll(w *frameWriter) error {
	keys := make([]recordKey, 0, len(s.activities)+len(s.machines)+len(s.tokens)+1)
	for arn := range s.activities {
		keys = append(keys, recordKey{kindActivity, arn})
	}
	for arn := range s.machines {
		keys = append(keys, recordKey{kindMachine, arn})
	}
	for token := range s.tokens {
		keys = append(keys, recordKey{kindToken, token})
	}
	keys = append(keys, recordKey{kind: kindExecSeq})
	for _, k := range keys {
		recs, err := s.appendRecords(nil, k)
		if err != nil {
			return err
		}
		if err := w.add(recs); err != nil {
			return err
		}
	}
	for _, e := range s.executions {
		recs, err := appendExecutionRecords(nil, e, 0)
		if err != nil {
			return err
		}
		if err := w.add(recs); err != nil {
			return err
		}
	}
	return nil
}

// frameWriter groups the records of a compaction into frames of about
// compactBatchBytes.
type frameWriter struct {
	w     *bufio.Writer
	store *store // accounts for what is written
	batch []record
	bytes int64
}

func (fw *frameWriter) add(recs []record) error {
	for _, r := range recs {
		fw.batch = append(fw.batch, r)
		fw.bytes += recordBytes(r)
	}
	if fw.bytes < compactBatchBytes {
		return nil
	}
	return fw.flush()
}

func (fw *frameWriter) flush() error {
	if len(fw.batch) == 0 {
		return nil
	}
	payload, err := json.Marshal(fw.batch)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	frame := appendFrame(nil, payload)
	if _, err := fw.w.Write(frame); err != nil {
		return err
	}
	fw.store.size += int64(len(frame))
	for _, r := range fw.batch {
		fw.store.account(r)
	}
	fw.batch, fw.bytes = fw.batch[:0], 0
	return nil
}
