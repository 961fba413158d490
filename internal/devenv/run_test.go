package devenv

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The sweep of test runs ends what killed runs left and removes their directories; it leaves
// alone a run that goes on and a directory being set up (no record yet).
func TestSweepCleansUpOnlyAfterKilledRuns(t *testing.T) {
	root := t.TempDir()
	killed, running, settingUp := filepath.Join(root, "run-killed"), filepath.Join(root, "run-running"), filepath.Join(root, "run-new")
	for _, dir := range []string{killed, running, settingUp} {
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	leftover, kept := startSleeping(t), startSleeping(t, "sleep", "61")
	writeRecord(t, killed, record{Owner: deadOwner(t), Processes: []Proc{inspected(t, "etcd", leftover)}})
	me, err := self()
	if err != nil {
		t.Fatal(err)
	}
	writeRecord(t, running, record{Owner: me, Processes: []Proc{inspected(t, "etcd", kept)}})

	var log bytes.Buffer
	sweep(root, &log)

	if want := "etcd (pid " + itoa(leftover.Process.Pid) + "): still running; ended"; !strings.Contains(log.String(), want) {
		t.Errorf("the sweep says %q, nothing like %q", log.String(), want)
	}
	if sig := signalled(t, leftover, 5*time.Second); sig != syscall.SIGTERM {
		t.Errorf("the killed run's process ended by %v, want SIGTERM", sig)
	}
	if _, err := os.Stat(killed); !os.IsNotExist(err) {
		t.Errorf("the killed run's directory is still there: %v", err)
	}
	if sig := signalled(t, kept, 300*time.Millisecond); sig != 0 {
		t.Errorf("a running run's process was ended (%v)", sig)
	}
	for _, dir := range []string{running, settingUp} {
		if _, err := os.Stat(dir); err != nil {
			t.Errorf("%s was removed: %v", dir, err)
		}
	}
}

// A run directory records its owner from the start, and refuses to be taken over while it
// holds another run's record.
func TestOpenRunDirRecordsItsOwnerAndRefusesAnotherRunsRecord(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	r, err := openRunDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r.rec.Owner.PID != os.Getpid() {
		t.Errorf("owner %+v, want this process", r.rec.Owner)
	}
	if _, err := os.Stat(filepath.Join(dir, recordFile)); err != nil {
		t.Fatalf("no record from the start: %v", err)
	}
	if _, err := openRunDir(dir); err == nil || !strings.Contains(err.Error(), "EndLeftovers") {
		t.Errorf("opening a directory with a record = %v, want a refusal", err)
	}
	if err := r.close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("close left the directory: %v", err)
	}
}
