package sfnlocal

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzReplayJournal feeds arbitrary state files to the journal decoder: it
// never panics, never reads past data, and what it calls intact replays
// alike on its own.
func FuzzReplayJournal(f *testing.F) {
	f.Add(sampleJournal(f))
	f.Add([]byte(journalMagic))
	f.Add(appendFrame([]byte(journalMagic), []byte(`[{"k":"execSeq","v":3}]`)))
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := replayInto(t, data)
		if err != nil {
			return
		}
		if n > len(data) {
			t.Fatalf("intact prefix %d > %d bytes", n, len(data))
		}
		again, err := replayInto(t, data[:n])
		if err != nil || again != n {
			t.Fatalf("replaying the intact prefix of %d bytes = %d, %v", n, again, err)
		}
	})
}

func replayInto(t *testing.T, data []byte) (int, error) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	return newStore("", s.log).replay(s, data)
}

// sampleJournal is a real journal: resources, an execution with its history
// and an open token, and a compaction.
func sampleJournal(f *testing.F) []byte {
	file := filepath.Join(f.TempDir(), "state")
	e := newEnv(f, Options{StateFile: file})
	act := e.activity("approve")
	sm := e.machine("m", sprintf(approvalTask, act))
	e.start(sm, "run", `{"n":1}`)
	e.poll(act)
	if err := e.srv.Close(); err != nil {
		f.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		f.Fatal(err)
	}
	return data
}
