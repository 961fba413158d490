package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/devenv"
)

// runAsDemoEnv, set to 1, makes this test binary the demo itself (TestMain): the crash test
// kills a real demo process, and this binary holds the demo already built.
const runAsDemoEnv = "TOLLGATE_DEMO_TEST_RUN_DEMO"

func TestMain(m *testing.M) {
	if os.Getenv(runAsDemoEnv) == "1" {
		main() // exits
	}
	os.Exit(m.Run())
}

// The demo survives kill -9. Its kube-apiserver and etcd die with it (Linux's parent-death
// signal); where they outlive it (without that signal, as TOLLGATE_DEVENV_CHILDREN_OUTLIVE
// makes them here), the next demo says so and ends them. Either way the next demo comes up on
// the kept cluster, and the request it left pending is still there with its approval; the
// impostor it shows tries a slot still open.
func TestDemoComesBackAfterKill9(t *testing.T) {
	assets, err := devenv.Assets()
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	t.Cleanup(func() { _, _ = devenv.EndLeftovers(filepath.Join(state, "run")) }) // whatever a failure left

	t.Log("a demo whose kube-apiserver and etcd outlive it, killed once its request is pending with one approval")
	first := startDemo(t, state, "TOLLGATE_DEVENV_CHILDREN_OUTLIVE=1")
	first.waitFor(t, "applied")
	first.waitFor(t, "this terminal now shows every phase change")
	kubectl := exec.Command(filepath.Join(assets, "kubectl"), "--kubeconfig", filepath.Join(state, "kubeconfig"),
		"annotate", "approvalrequest/deploy-payments-v42", "approvals.tollgate.dev/alice=approve", "--as", "alice@example.com")
	if out, err := kubectl.CombinedOutput(); err != nil {
		t.Fatalf("alice approves: %v: %s", err, out)
	}
	first.waitFor(t, "watch: default/deploy-payments-v42 is Pending (approvals 1/3)")
	outlived := first.controlPlane(t)
	first.kill9(t)
	for name, pid := range outlived {
		if !alive(pid) {
			t.Fatalf("%s (pid %d) died with the demo: the test proves nothing", name, pid)
		}
	}

	t.Log("the next demo ends them, says so, and comes up with the request still pending")
	second := startDemo(t, state)
	for name, pid := range outlived {
		second.waitFor(t, fmt.Sprintf("  %s (pid %d): still running; ended", name, pid))
		if alive(pid) {
			t.Errorf("%s (pid %d) still runs after the demo said it ended it", name, pid)
		}
	}
	second.waitFor(t, "ApprovalRequest default/deploy-payments-v42 is kept from an earlier run: phase=Pending approvals=1/3")
	second.waitFor(t, "denied the request: mallory@example.com may not decide slot bob")
	second.waitFor(t, "this terminal now shows every phase change")
	own := second.controlPlane(t)
	second.kill9(t)
	for name, pid := range own {
		if !waitGone(pid, 10*time.Second) {
			t.Errorf("%s (pid %d) outlived the demo killed with SIGKILL", name, pid)
		}
	}

	t.Log("the third demo finds them ended with it, comes up, and cleans up on Ctrl-C")
	third := startDemo(t, state)
	for name, pid := range own {
		third.waitFor(t, fmt.Sprintf("  %s (pid %d): had ended already", name, pid))
	}
	third.waitFor(t, "ApprovalRequest default/deploy-payments-v42 is kept from an earlier run: phase=Pending approvals=1/3")
	third.waitFor(t, "this terminal now shows every phase change")
	last := third.controlPlane(t)
	third.interrupt(t)
	third.waitFor(t, "nothing left running")
	for name, pid := range last {
		if alive(pid) {
			t.Errorf("%s (pid %d) still runs after the demo stopped", name, pid)
		}
	}
	if _, err := os.Stat(filepath.Join(state, "run")); !os.IsNotExist(err) {
		t.Errorf("the demo stopped cleanly and left its run directory (the record of its processes): %v", err)
	}
	for _, d := range []*demo{first, second, third} {
		if d.said("UNEXPECTED") || d.said("ERROR") {
			t.Errorf("a demo said something unexpected:\n%s", d.output())
		}
	}
}

// demo is a demo process and what it printed.
type demo struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  []string
	more chan struct{} // closed and replaced when a line arrives or the output ends
	done chan struct{} // closed when the process has ended
}

// startDemo starts the interactive demo on the state directory, in a process group of its own
// (what a terminal gives `make demo`), with more environment.
func startDemo(t *testing.T, state string, env ...string) *demo {
	t.Helper()
	root, err := devenv.Root()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "--state-dir", state, "--samples", filepath.Join(root, "config", "samples"),
		"--sfn-listen", "127.0.0.1:0", "--token-timeout", "3m")
	cmd.Env = append(append(os.Environ(), runAsDemoEnv+"=1"), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	d := &demo{cmd: cmd, more: make(chan struct{}), done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.kill9(t) })
	go func() {
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			d.add(lines.Text())
		}
		_ = cmd.Wait()
		d.add("(the demo has ended: " + cmd.ProcessState.String() + ")")
		close(d.done)
	}()
	return d
}

func (d *demo) add(line string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.out = append(d.out, line)
	close(d.more)
	d.more = make(chan struct{})
}

// said reports whether a line printed so far holds s.
func (d *demo) said(s string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, l := range d.out {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

func (d *demo) output() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return strings.Join(d.out, "\n")
}

// waitFor waits until the demo prints a line holding s, for up to 3 minutes (a control plane
// on a busy 2-core machine).
func (d *demo) waitFor(t *testing.T, s string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	for {
		d.mu.Lock()
		more := d.more
		d.mu.Unlock()
		if d.said(s) {
			return
		}
		select {
		case <-more:
		case <-d.done:
			if !d.said(s) {
				t.Fatalf("the demo ended without saying %q:\n%s", s, d.output())
			}
			return
		case <-ctx.Done():
			t.Fatalf("the demo did not say %q within 3m:\n%s", s, d.output())
		}
	}
}

// controlPlane finds the demo's kube-apiserver and etcd among its children.
func (d *demo) controlPlane(t *testing.T) map[string]int {
	t.Helper()
	found := map[string]int{}
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", d.cmd.Process.Pid))
	if err != nil || len(tasks) == 0 {
		t.Fatalf("no /proc/%d/task/*/children to find the demo's processes in (%v)", d.cmd.Process.Pid, err)
	}
	for _, task := range tasks {
		children, err := os.ReadFile(task)
		if err != nil {
			continue // a thread that has ended since
		}
		for field := range strings.FieldsSeq(string(children)) {
			pid, _ := strconv.Atoi(field)
			comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
			if name := strings.TrimSpace(string(comm)); name == "etcd" || name == "kube-apiserver" {
				found[name] = pid
			}
		}
	}
	if len(found) != 2 {
		t.Fatalf("the demo's children are %v: want etcd and kube-apiserver", found)
	}
	return found
}

// kill9 kills the demo's process group with SIGKILL, as an OOM kill or `kill -9` does, and
// waits until it has ended.
func (d *demo) kill9(t *testing.T) {
	t.Helper()
	if err := syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL); err != nil && err != syscall.ESRCH {
		t.Error(err)
	}
	<-d.done
}

// interrupt is Ctrl-C at the demo's terminal; it waits until the demo has ended, and checks
// that it ended well.
func (d *demo) interrupt(t *testing.T) {
	t.Helper()
	if err := syscall.Kill(-d.cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-d.done:
	case <-time.After(time.Minute):
		t.Fatalf("the demo did not stop within a minute of Ctrl-C:\n%s", d.output())
	}
	if !d.cmd.ProcessState.Success() {
		t.Errorf("the demo ended with %s after Ctrl-C:\n%s", d.cmd.ProcessState, d.output())
	}
}

// alive reports whether process pid runs (a zombie, ended but not reaped, does not).
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z"
}

// waitGone waits up to d until process pid has ended.
func waitGone(pid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for alive(pid) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}
