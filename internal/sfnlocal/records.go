package sfnlocal

import (
	"encoding/json"
	"fmt"
)

// Record kinds: the state is kept as one record per activity, state machine,
// execution (without its history), history event and task token, plus the
// execution counter. A change rewrites only the records it touched; history
// events are appended, never rewritten.
const (
	kindActivity  = "activity"
	kindMachine   = "machine"
	kindExecution = "execution"
	kindEvent     = "event" // Key is the execution's ARN; events come in order
	kindToken     = "token"
	kindExecSeq   = "execSeq"
)

// record is one entry of a journal frame.
type record struct {
	Kind  string          `json:"k"`
	Key   string          `json:"id,omitempty"`
	Value json.RawMessage `json:"v,omitempty"` // absent: the record was deleted
}

type recordKey struct{ kind, id string }

// recordBytes is about what r takes in a journal, for the compaction's
// accounting.
func recordBytes(r record) int64 {
	return int64(len(r.Kind) + len(r.Key) + len(r.Value) + 16)
}

// executionRecord encodes an execution without its history: the shallower
// Events field hides execution.Events from encoding/json and, left nil, is
// omitted.
type executionRecord struct {
	*execution
	Events []json.RawMessage `json:",omitempty"`
}

// appendRecords appends the records of k as the server holds it now: a
// deletion if it is gone; for an execution, the history events not saved
// yet, then the execution.
func (s *Server) appendRecords(recs []record, k recordKey) ([]record, error) {
	var v any
	switch k.kind {
	case kindActivity:
		if a := s.activities[k.id]; a != nil {
			v = a
		}
	case kindMachine:
		if sm := s.machines[k.id]; sm != nil {
			v = sm
		}
	case kindToken:
		if t := s.tokens[k.id]; t != nil {
			v = t
		}
	case kindExecSeq:
		v = s.execSeq
	case kindExecution:
		e := s.executions[k.id]
		return appendExecutionRecords(recs, e, e.savedEvents)
	}
	return appendRecord(recs, k, v)
}

// appendExecutionRecords appends the events of e from index from, then e.
func appendExecutionRecords(recs []record, e *execution, from int) ([]record, error) {
	for _, ev := range e.Events[from:] {
		recs = append(recs, record{Kind: kindEvent, Key: e.ARN, Value: ev})
	}
	return appendRecord(recs, recordKey{kindExecution, e.ARN}, executionRecord{execution: e})
}

func appendRecord(recs []record, k recordKey, v any) ([]record, error) {
	if v == nil {
		return append(recs, record{Kind: k.kind, Key: k.id}), nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %s %s: %w", k.kind, k.id, err)
	}
	return append(recs, record{Kind: k.kind, Key: k.id, Value: raw}), nil
}

// applyRecord loads r into the server's maps; events are gathered by
// execution ARN, to be attached once every record is read.
func (s *Server) applyRecord(r record, events map[string][]json.RawMessage) error {
	var err error
	switch r.Kind {
	case kindActivity:
		err = putRecord(s.activities, r)
	case kindMachine:
		err = putRecord(s.machines, r)
	case kindExecution:
		err = putRecord(s.executions, r)
	case kindToken:
		err = putRecord(s.tokens, r)
	case kindEvent:
		if r.Value == nil {
			return fmt.Errorf("event of %s without a value", r.Key)
		}
		events[r.Key] = append(events[r.Key], r.Value)
	case kindExecSeq:
		err = json.Unmarshal(r.Value, &s.execSeq)
	default:
		return fmt.Errorf("unknown record kind %q", r.Kind)
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", r.Kind, r.Key, err)
	}
	return nil
}

func putRecord[T any](m map[string]*T, r record) error {
	if r.Value == nil {
		delete(m, r.Key)
		return nil
	}
	v := new(T)
	if err := json.Unmarshal(r.Value, v); err != nil {
		return err
	}
	m[r.Key] = v
	return nil
}
