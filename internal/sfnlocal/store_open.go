package sfnlocal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// open reads the state file into s and keeps it open for appending: a
// journal is replayed and a torn tail cut off; a version 1 snapshot is
// migrated to a journal in place; a missing file is created.
func (st *store) open(s *Server) error {
	data, err := os.ReadFile(st.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return st.compact(s)
	case err != nil:
		return fmt.Errorf("read: %w", err)
	case isSnapshotV1(data):
		if err := s.loadSnapshotV1(data); err != nil {
			return fmt.Errorf("version 1 snapshot: %w", err)
		}
		st.log.Info("sfnlocal: migrating the version 1 snapshot to a journal", "path", st.path)
		return st.compact(s)
	}
	n, err := st.replay(s, data)
	if err != nil {
		return err
	}
	if n < len(data) {
		st.log.Warn("sfnlocal: dropped the torn tail of the state file", "path", st.path, "bytes", len(data)-n)
	}
	f, err := os.OpenFile(st.path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("open for appending: %w", err)
	}
	st.file, st.size = f, int64(n)
	if err := st.cutTo(st.size); err != nil {
		return errors.Join(err, st.close())
	}
	return nil
}

// replay applies every intact frame of data to s and returns the length of
// the intact prefix.
func (st *store) replay(s *Server, data []byte) (int, error) {
	events := map[string][]json.RawMessage{}
	n, err := readFrames(data, func(payload []byte) error {
		var recs []record
		if err := json.Unmarshal(payload, &recs); err != nil {
			return err
		}
		for _, r := range recs {
			if err := s.applyRecord(r, events); err != nil {
				return err
			}
			st.account(r)
		}
		return nil
	})
	if errors.Is(err, errNotJournal) {
		return 0, fmt.Errorf("%w, nor a version 1 snapshot: move it away to start with an empty state", err)
	}
	if err != nil {
		return 0, fmt.Errorf("frame at offset %d: %w", n, err)
	}
	for arn, evs := range events {
		e := s.executions[arn]
		if e == nil {
			return 0, fmt.Errorf("history events of unknown execution %s", arn)
		}
		e.Events, e.savedEvents = evs, len(evs)
	}
	return n, nil
}

// isSnapshotV1 tells the JSON snapshot that earlier versions wrote from a
// journal.
func isSnapshotV1(data []byte) bool {
	return bytes.HasPrefix(bytes.TrimSpace(data), []byte("{"))
}
