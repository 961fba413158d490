package sfnlocal

import (
	"encoding/json"
	"fmt"
)

// snapshotV1 is the state file that versions before the journal wrote: the
// whole state as one JSON document, rewritten on every change. One found at
// start is loaded, then replaced by a journal (store.open).
type snapshotV1 struct {
	Version    int
	ExecSeq    int64
	Activities []*activity
	Machines   []*stateMachine
	Executions []*execution
	Tokens     map[string]*tokenRecord
}

func (s *Server) loadSnapshotV1(data []byte) error {
	var snap snapshotV1
	if err := json.Unmarshal(data, &snap); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	if snap.Version != 1 {
		return fmt.Errorf("unsupported state file version %d", snap.Version)
	}
	s.execSeq = snap.ExecSeq
	if snap.Tokens != nil {
		s.tokens = snap.Tokens
	}
	for _, a := range snap.Activities {
		s.activities[a.ARN] = a
	}
	for _, sm := range snap.Machines {
		s.machines[sm.ARN] = sm
	}
	for _, e := range snap.Executions {
		s.executions[e.ARN] = e
	}
	return nil
}
