package devenv

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// leaderExitsEnv, set to 1, makes this test binary a process whose first thread exits, once a
// byte arrives on stdin, while its other threads (the Go runtime's) go on: it shows as a zombie
// that still holds its files, as a killed etcd does while its threads exit.
const leaderExitsEnv = "TOLLGATE_DEVENV_TEST_LEADER_EXITS"

func init() {
	if os.Getenv(leaderExitsEnv) != "1" {
		return
	}
	// Package initialisation runs on the first thread; SYS_EXIT ends that thread alone.
	var b [1]byte
	_, _ = syscall.Read(0, b[:])
	_, _, _ = syscall.Syscall(syscall.SYS_EXIT, 0, 0, 0)
}

// A process whose first thread has exited but whose other threads still run has not ended: it
// is not ended again (it is no longer what was recorded to signal), and ending what a killed run
// left waits for its last thread, which holds its files and ports, and fails if that does not go.
func TestEndLeftoversWaitsForTheLastThread(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), leaderExitsEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	p := inspected(t, "etcd", cmd)
	if _, err := stdin.Write([]byte{1}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, zombie, err := startOf(p.PID); !zombie; _, zombie, err = startOf(p.PID) {
		if err != nil || time.Now().After(deadline) {
			t.Fatalf("its first thread did not exit: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if threads, err := os.ReadDir("/proc/" + itoa(p.PID) + "/task"); err != nil || len(threads) < 2 {
		t.Fatalf("threads %v, %v: want the first one's zombie and the runtime's", threads, err)
	}

	if alive, err := p.running(); alive || err != nil {
		t.Errorf("running() = %t, %v; want false, nil: it ends", alive, err)
	}
	if p.ended() {
		t.Error("ended() with threads still running")
	}
	dir := t.TempDir()
	writeRecord(t, dir, record{Owner: deadOwner(t), Processes: []Proc{p}})
	left, err := endLeftovers(dir, 300*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "is still ending 300ms later") {
		t.Errorf("EndLeftovers = %v; want it to fail while the last thread runs", err)
	}
	if left == nil || len(left.Processes) != 1 || left.Processes[0].Ended || left.Processes[0].Note != "had ended already" {
		t.Errorf("EndLeftovers says %+v; want etcd had ended already", left)
	}
	if p.ended() {
		t.Error("EndLeftovers ended it: it was not to be signalled")
	}

	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if !waitEnded(p, 10*time.Second) {
		t.Fatal("still not ended 10s after SIGKILL")
	}
	left, err = endLeftovers(dir, 300*time.Millisecond)
	if err != nil || left == nil || len(left.Processes) != 1 || left.Processes[0].Note != "had ended already" {
		t.Errorf("once its last thread has gone, EndLeftovers = %+v, %v; want it had ended already", left, err)
	}
}
