package devenv

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"
)

// ErrInUse says that a run directory belongs to a run that still goes on.
var ErrInUse = errors.New("in use by a run that still goes on")

// leftoverGrace is how long a leftover has to stop after SIGTERM before it is sent SIGKILL,
// and after SIGKILL before ending it counts as failed.
const leftoverGrace = 10 * time.Second

// Leftovers is what a run that did not stop (killed) had recorded in its run directory, and
// what became of each process.
type Leftovers struct {
	// Owner is the process that started them and did not stop them.
	Owner     Proc
	Processes []Leftover
}

// Leftover is one process a killed run had started.
type Leftover struct {
	Proc
	// Ended: it still ran and was ended now. Else Note says why it was not: it had ended already
	// (with its parent, on Linux), or its pid now belongs to another process, left alone.
	Ended bool
	Note  string
}

// String says what became of the process: "etcd (pid 4242): still running; ended".
func (l Leftover) String() string {
	if l.Ended {
		return l.Proc.String() + ": still running; ended"
	}
	return l.Proc.String() + ": " + l.Note
}

// EndLeftovers ends the processes that a run killed before it could stop them recorded in its
// run directory dir, and only those: a process is signalled only while its pid, start time,
// executable and command line are still the recorded ones. It returns nil when dir holds no
// record (the last run stopped cleanly, or none ran), and ErrInUse when the run that wrote the
// record still goes on. The record is removed once everything in it has ended.
func EndLeftovers(dir string) (*Leftovers, error) {
	return endLeftovers(dir, leftoverGrace)
}

func endLeftovers(dir string, grace time.Duration) (*Leftovers, error) {
	path := filepath.Join(dir, recordFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the record of a run: %w", err)
	}
	var rec record
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Errorf("reading the record of a run, %s: %w", path, err)
	}
	if alive, _ := rec.Owner.running(); alive {
		return nil, fmt.Errorf("%s is %w: %s", dir, ErrInUse, rec.Owner)
	}
	left := &Leftovers{Owner: rec.Owner}
	// The last started first: kube-apiserver before the etcd it writes to.
	for _, p := range slices.Backward(rec.Processes) {
		l, err := end(p, grace)
		left.Processes = append(left.Processes, l)
		if err != nil {
			return left, err
		}
	}
	if err := os.Remove(path); err != nil {
		return left, fmt.Errorf("removing the record of a run: %w", err)
	}
	return left, nil
}

// end ends p if it still runs as it was recorded, as envtest stops its own processes: SIGTERM,
// then SIGKILL after grace; it says what became of p once p has ended. The process is taken
// hold of before it is checked: on Linux os.FindProcess holds a pidfd, which stays on the
// process it was opened for even if the pid is given to another one later, so what is signalled
// is what was checked.
func end(p Proc, grace time.Duration) (Leftover, error) {
	l := Leftover{Proc: p}
	proc, err := os.FindProcess(p.PID)
	if err != nil {
		return l, fmt.Errorf("taking hold of %s: %w", p, err)
	}
	defer func() { _ = proc.Release() }() // only frees the pidfd
	alive, why := p.running()
	switch {
	case why != nil:
		l.Note = why.Error() + ": left alone"
		return l, nil
	case !alive:
		l.Note = "had ended already"
		if !waitEnded(p, grace) { // its last threads still exit
			return l, fmt.Errorf("%s is still ending %s later", p, grace)
		}
		return l, nil
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		if err := proc.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
			return l, fmt.Errorf("ending %s (%s): %w", p, sig, err)
		}
		if waitEnded(p, grace) {
			l.Ended = true
			return l, nil
		}
	}
	return l, fmt.Errorf("%s still runs %s after SIGKILL", p, grace)
}

// waitEnded waits up to d until p has ended. It is no child of this process, so there is
// nothing to wait on: /proc is read again every 20 ms.
func waitEnded(p Proc, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for !p.ended() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}
