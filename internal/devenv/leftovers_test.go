package devenv

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// writeRecord writes the record a run would have left in dir.
func writeRecord(t *testing.T, dir string, rec record) {
	t.Helper()
	data, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, recordFile), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// deadOwner is the identity of a process that has ended: a run that was killed.
func deadOwner(t *testing.T) Proc {
	t.Helper()
	cmd := startSleeping(t)
	owner := inspected(t, "killed-run", cmd)
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	return owner
}

// signalled is the signal that ended cmd, once it has ended (reaped here: the test is its
// parent), or 0 when it still runs after d.
func signalled(t *testing.T, cmd *exec.Cmd, d time.Duration) syscall.Signal {
	t.Helper()
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return ws.Signal()
		}
		t.Fatalf("%v ended without a signal: %v", cmd.Args, cmd.ProcessState)
	case <-time.After(d):
	}
	return 0
}

// What a killed run left is ended, the last started first, and only what is still the
// recorded process: a pid since given to another process is left alone.
func TestEndLeftoversEndsOnlyWhatTheKilledRunStarted(t *testing.T) {
	dir := t.TempDir()
	etcd, apiServer := startSleeping(t), startSleeping(t, "sleep", "61")
	recycled := startSleeping(t, "sleep", "62")
	gone := deadOwner(t)
	gone.Name = "manager-1"
	other := inspected(t, "manager-2", recycled)
	other.StartTicks-- // what had this pid before: the process there now is another
	writeRecord(t, dir, record{Owner: deadOwner(t), Processes: []Proc{
		inspected(t, "etcd", etcd), inspected(t, "kube-apiserver", apiServer), gone, other,
	}})

	left, err := endLeftovers(dir, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	said := make([]string, 0, len(left.Processes))
	for _, l := range left.Processes {
		said = append(said, l.String())
	}
	got := strings.Join(said, "\n")
	for _, want := range []string{
		"manager-2 (pid " + itoa(recycled.Process.Pid) + "): pid " + itoa(recycled.Process.Pid) + " is now another process",
		"manager-1 (pid " + itoa(gone.PID) + "): had ended already",
		"kube-apiserver (pid " + itoa(apiServer.Process.Pid) + "): still running; ended",
		"etcd (pid " + itoa(etcd.Process.Pid) + "): still running; ended",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("EndLeftovers says\n%s\nnothing like %q", got, want)
		}
	}
	if len(said) != 4 || !strings.HasPrefix(said[2], "kube-apiserver") || !strings.HasPrefix(said[3], "etcd") {
		t.Errorf("not in reverse order of starting:\n%s", got)
	}
	for _, cmd := range []*exec.Cmd{etcd, apiServer} {
		if sig := signalled(t, cmd, 5*time.Second); sig != syscall.SIGTERM {
			t.Errorf("%v ended by %v, want SIGTERM", cmd.Args, sig)
		}
	}
	if sig := signalled(t, recycled, 500*time.Millisecond); sig != 0 {
		t.Errorf("the process that has a recorded pid now was ended (%v): it is not the run's", sig)
	}
	if _, err := os.Stat(filepath.Join(dir, recordFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the record is still there once everything in it ended: %v", err)
	}
	if left, err := endLeftovers(dir, time.Second); left != nil || err != nil {
		t.Errorf("a second EndLeftovers = %+v, %v; want nothing to do", left, err)
	}
}

// A leftover that does not stop on SIGTERM is sent SIGKILL after the grace period.
func TestEndLeftoversKillsWhatIgnoresSIGTERM(t *testing.T) {
	dir := t.TempDir()
	stubborn := startSleeping(t, "sh", "-c", `trap "" TERM; exec sleep 60`)
	p := inspected(t, "etcd", stubborn)
	for !strings.HasSuffix(p.Exe, "/sleep") { // until sh has become sleep, ignoring SIGTERM
		time.Sleep(5 * time.Millisecond)
		p = inspected(t, "etcd", stubborn)
	}
	writeRecord(t, dir, record{Owner: deadOwner(t), Processes: []Proc{p}})
	left, err := endLeftovers(dir, 300*time.Millisecond)
	if err != nil || len(left.Processes) != 1 || !left.Processes[0].Ended {
		t.Fatalf("EndLeftovers = %+v, %v; want it ended", left, err)
	}
	if sig := signalled(t, stubborn, 5*time.Second); sig != syscall.SIGKILL {
		t.Errorf("ended by %v, want SIGKILL", sig)
	}
}

// A run that still goes on keeps its processes and its record.
func TestEndLeftoversLeavesARunThatGoesOn(t *testing.T) {
	dir := t.TempDir()
	etcd := startSleeping(t)
	me, err := self()
	if err != nil {
		t.Fatal(err)
	}
	writeRecord(t, dir, record{Owner: me, Processes: []Proc{inspected(t, "etcd", etcd)}})
	if _, err := EndLeftovers(dir); !errors.Is(err, ErrInUse) {
		t.Fatalf("EndLeftovers = %v, want ErrInUse", err)
	}
	if sig := signalled(t, etcd, 300*time.Millisecond); sig != 0 {
		t.Errorf("a running run's process was ended (%v)", sig)
	}
	if _, err := os.Stat(filepath.Join(dir, recordFile)); err != nil {
		t.Errorf("the record of a running run is gone: %v", err)
	}
	if left, err := EndLeftovers(t.TempDir()); left != nil || err != nil {
		t.Errorf("EndLeftovers of a directory without a record = %+v, %v; want nothing", left, err)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// A run whose program was rebuilt while it runs (`make demo` rebuilds the demo before a second
// one is refused) still goes on: its processes are not ended. A leftover whose binary was
// rebuilt since is still the killed run's, and is ended.
func TestEndLeftoversKnowsProcessesWhoseBinaryWasReplaced(t *testing.T) {
	owner, replaceOwner := startCopyOfSleep(t)
	leftover, replaceLeftover := startCopyOfSleep(t)
	dir := t.TempDir()
	writeRecord(t, dir, record{Owner: inspected(t, "tollgate-demo", owner), Processes: []Proc{inspected(t, "etcd", leftover)}})
	replaceOwner()
	replaceLeftover()
	if _, err := endLeftovers(dir, time.Second); !errors.Is(err, ErrInUse) {
		t.Fatalf("EndLeftovers = %v while the run goes on; want ErrInUse", err)
	}
	if sig := signalled(t, leftover, 300*time.Millisecond); sig != 0 {
		t.Fatalf("a running run's process was ended (%v)", sig)
	}
	_ = owner.Process.Kill()
	_ = owner.Wait()
	left, err := endLeftovers(dir, 5*time.Second)
	if err != nil || len(left.Processes) != 1 || !left.Processes[0].Ended {
		t.Fatalf("EndLeftovers = %+v, %v once the run was killed; want etcd ended", left, err)
	}
	if sig := signalled(t, leftover, 5*time.Second); sig != syscall.SIGTERM {
		t.Errorf("ended by %v, want SIGTERM", sig)
	}
}
