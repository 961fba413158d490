package devenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"time"

	"k8s.io/client-go/kubernetes"
)

// apiServerGrace is how long kube-apiserver may take to stop after SIGTERM, and after SIGKILL;
// apiServerStartTimeout how long it may take to answer /readyz again.
const (
	apiServerGrace        = 10 * time.Second
	apiServerStartTimeout = 3 * time.Minute
)

// RestartAPIServer stops kube-apiserver (SIGTERM, as its node would), keeps it down for down,
// and starts it again with the same command line, environment and directory: the same etcd
// data, port and certificates, so every client's configuration still holds. It returns once the
// new process answers /readyz. envtest's own Stop finds its process gone and passes; Stop stops
// the new one.
func (cp *ControlPlane) RestartAPIServer(ctx context.Context, down time.Duration) error {
	u, err := url.Parse(cp.Admin.Host)
	if err != nil {
		return fmt.Errorf("reading the API server's port from %q: %w", cp.Admin.Host, err)
	}
	pid, err := findProcess("kube-apiserver", "--secure-port="+u.Port())
	if err != nil {
		return err
	}
	argv, environ, dir, err := commandOf(pid)
	if err != nil {
		return err
	}
	if err := cp.stopAPIServer(ctx, pid); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(down):
	}
	cmd := exec.Command(argv[0], argv[1:]...) //nolint:gosec // the command line kube-apiserver ran with
	cmd.Env, cmd.Dir, cmd.Stdout, cmd.Stderr = environ, dir, cp.out, cp.out
	cmd.SysProcAttr = childAttr()
	cp.thread.do(func() { err = cmd.Start() })
	if err != nil {
		return fmt.Errorf("starting kube-apiserver again: %w", err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait() // its exit status is the signal that stops it
		close(done)
	}()
	cp.restarted = &process{pid: cmd.Process.Pid, done: done}
	if err := errors.Join(cp.run.remove(pid), cp.run.add("kube-apiserver", cmd.Process.Pid)); err != nil {
		return err
	}
	return cp.waitReady(ctx)
}

// stopAPIServer stops kube-apiserver as a node stops a container: SIGTERM, then SIGKILL after
// a grace period (kube-apiserver drains long requests for up to a minute otherwise).
func (cp *ControlPlane) stopAPIServer(ctx context.Context, pid int) error {
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return fmt.Errorf("stopping kube-apiserver (pid %d): %w", pid, err)
	}
	if !cp.waitGone(ctx, pid, apiServerGrace) {
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("killing kube-apiserver (pid %d): %w", pid, err)
		}
		if !cp.waitGone(ctx, pid, apiServerGrace) {
			return fmt.Errorf("kube-apiserver (pid %d) still runs after SIGKILL", pid)
		}
	}
	return ctx.Err()
}

// waitGone waits up to d until process pid has ended and was reaped: by Wait when this
// control plane started it, else by envtest, which waits for its own process.
func (cp *ControlPlane) waitGone(ctx context.Context, pid int, d time.Duration) bool {
	if r := cp.restarted; r != nil && r.pid == pid {
		select {
		case <-r.done:
			cp.restarted = nil
			return true
		case <-time.After(d):
			return false
		}
	}
	deadline := time.Now().Add(d)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}

// waitReady waits until kube-apiserver answers /readyz.
func (cp *ControlPlane) waitReady(ctx context.Context) error {
	cs, err := kubernetes.NewForConfig(cp.Admin)
	if err != nil {
		return fmt.Errorf("a client for /readyz: %w", err)
	}
	deadline := time.Now().Add(apiServerStartTimeout)
	for {
		_, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("kube-apiserver not ready %s after its restart: %w", apiServerStartTimeout, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// stopRestarted stops the kube-apiserver RestartAPIServer started, if any.
func (cp *ControlPlane) stopRestarted() error {
	if cp.restarted == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*apiServerGrace)
	defer cancel()
	return cp.stopAPIServer(ctx, cp.restarted.pid)
}

// process is a kube-apiserver RestartAPIServer started: done is closed once it was reaped.
type process struct {
	pid  int
	done <-chan struct{}
}

// findProcess finds the one process whose program is named name and whose command line holds
// arg.
func findProcess(name, arg string) (int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, fmt.Errorf("listing processes: %w", err)
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		argv, err := nulSeparated(pid, "cmdline")
		if err != nil || len(argv) == 0 || filepath.Base(argv[0]) != name {
			continue
		}
		if slices.Contains(argv[1:], arg) {
			return pid, nil
		}
	}
	return 0, fmt.Errorf("no %s running with %s", name, arg)
}

// commandOf reads how process pid was started.
func commandOf(pid int) (argv, environ []string, dir string, err error) {
	if argv, err = nulSeparated(pid, "cmdline"); err != nil {
		return nil, nil, "", err
	}
	if len(argv) == 0 {
		return nil, nil, "", errors.New("process " + strconv.Itoa(pid) + " has ended")
	}
	if environ, err = nulSeparated(pid, "environ"); err != nil {
		return nil, nil, "", err
	}
	if dir, err = os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid)); err != nil {
		return nil, nil, "", fmt.Errorf("reading process %d's directory: %w", pid, err)
	}
	return argv, environ, dir, nil
}

// nulSeparated reads a /proc/<pid> file of NUL-terminated strings.
func nulSeparated(pid int, file string) ([]string, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, file))
	if err != nil {
		return nil, fmt.Errorf("reading process %d's %s: %w", pid, file, err)
	}
	raw = bytes.TrimSuffix(raw, []byte{0})
	if len(raw) == 0 {
		return nil, nil
	}
	var out []string
	for f := range bytes.SplitSeq(raw, []byte{0}) {
		out = append(out, string(f))
	}
	return out, nil
}
