package devenv

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
)

// recordFile is where a run directory records the processes its control plane started.
const recordFile = "processes.json"

// record is what a run directory's recordFile holds: who started the processes, and which.
type record struct {
	Owner     Proc   `json:"owner"`
	Processes []Proc `json:"processes"`
}

// runDir is a control plane's own directory: what must be cleaned up even if the process that
// started the control plane is killed (kill -9, an OOM kill, go test's -timeout). It holds the
// record of the processes the control plane started, written as each starts and ends, so that
// the next run ends what a killed one left (EndLeftovers); the launcher's links
// (launch_linux.go); kube-apiserver's certificates and, unless kept elsewhere, etcd's data.
type runDir struct {
	path string
	// mu guards rec and its file; recording is false where /proc is not Linux's: nothing can be
	// told apart there, so nothing is recorded.
	mu        sync.Mutex
	rec       record
	recording bool
}

// openRunDir makes dir a new run directory, wiping what it held. A record of another run in it
// is refused: EndLeftovers first.
func openRunDir(dir string) (*runDir, error) {
	if _, err := os.Stat(filepath.Join(dir, recordFile)); err == nil {
		return nil, fmt.Errorf("%s holds the record of a run that did not stop: end what it left first (EndLeftovers)", dir)
	}
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("wiping the run directory: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the run directory: %w", err)
	}
	r := &runDir{path: dir, recording: runtime.GOOS == "linux"}
	if !r.recording {
		return r, nil
	}
	owner, err := self()
	if err != nil {
		return nil, err
	}
	r.rec.Owner = owner
	return r, r.write()
}

// startRun opens the run directory dir or, when dir is empty, a new one in the per-user
// directory of test runs, after ending what killed test runs left there (said to log).
func startRun(dir string, log io.Writer) (*runDir, error) {
	if dir != "" {
		return openRunDir(dir)
	}
	root := testRunsDir()
	sweep(root, log)
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("creating the directory of test runs: %w", err)
	}
	dir, err := os.MkdirTemp(root, "run-")
	if err != nil {
		return nil, fmt.Errorf("creating a run directory: %w", err)
	}
	return openRunDir(dir)
}

// testRunsDir holds the run directories of control planes started without one (tests'), per
// user: ending a killed test run's processes needs no state of its own.
func testRunsDir() string {
	return filepath.Join(os.TempDir(), "tollgate-devenv-"+strconv.Itoa(os.Getuid()))
}

// sweep ends what killed runs left in the run directories under root, and removes those
// directories; a directory whose run still goes on, or that holds no record yet (a run being
// set up), is left alone. It is best effort: what it cannot clean is said to log and left.
func sweep(root string, log io.Writer) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return // no test run has been here yet
	}
	for _, e := range entries {
		dir := filepath.Join(root, e.Name())
		left, err := EndLeftovers(dir)
		switch {
		case errors.Is(err, ErrInUse):
			continue
		case err != nil:
			_, _ = fmt.Fprintf(log, "devenv: cleaning up after a killed run: %v\n", err)
			continue
		case left == nil:
			continue
		}
		for _, l := range left.Processes {
			_, _ = fmt.Fprintf(log, "devenv: cleaning up after %s, which did not stop: %s\n", left.Owner, l)
		}
		if err := os.RemoveAll(dir); err != nil {
			_, _ = fmt.Fprintf(log, "devenv: removing a killed run's directory: %v\n", err)
		}
	}
}

// add records process pid, named name, as started by this run; one that has ended already
// leaves nothing to end.
func (r *runDir) add(name string, pid int) error {
	if !r.recording {
		return nil
	}
	p, err := inspect(name, pid)
	if errors.Is(err, errEnded) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("recording %s: %w", name, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rec.Processes = append(r.rec.Processes, p)
	return r.write()
}

// addRunning records the process named name whose command line holds arg: envtest does not
// say which pids it started.
func (r *runDir) addRunning(name, arg string) error {
	if !r.recording {
		return nil
	}
	pid, err := findProcess(name, arg)
	if err != nil {
		return fmt.Errorf("recording %s: %w", name, err)
	}
	return r.add(name, pid)
}

// remove forgets process pid: it was stopped.
func (r *runDir) remove(pid int) error {
	if !r.recording {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rec.Processes = slices.DeleteFunc(r.rec.Processes, func(p Proc) bool { return p.PID == pid })
	return r.write()
}

// write replaces the record file whole (a new file renamed over the old): a run killed while
// writing leaves the previous record, never half of one.
func (r *runDir) write() error {
	data, err := json.MarshalIndent(r.rec, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the record of processes: %w", err)
	}
	tmp := filepath.Join(r.path, recordFile+".new")
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("writing the record of processes: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(r.path, recordFile)); err != nil {
		return fmt.Errorf("writing the record of processes: %w", err)
	}
	return nil
}

// close removes the run directory, record and all: everything it recorded was stopped.
func (r *runDir) close() error {
	if err := os.RemoveAll(r.path); err != nil {
		return fmt.Errorf("removing the run directory: %w", err)
	}
	return nil
}
