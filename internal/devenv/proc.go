package devenv

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// errEnded says that a process has ended or is ending: it waits to be reaped by its parent, or
// it has released its memory (its executable and command line with it) on its way out.
var errEnded = errors.New("it has ended")

// Proc is a process as Linux's /proc knows it, with enough to tell it from a later process
// that was given the same pid: when it started (clock ticks after boot, and which boot), its
// executable and its command line. A recorded Proc is only ever signalled while all of these
// still match.
type Proc struct {
	// Name is what the process is to a reader: "etcd", "kube-apiserver", "manager-1".
	Name       string   `json:"name"`
	PID        int      `json:"pid"`
	StartTicks uint64   `json:"startTicks"`
	BootID     string   `json:"bootID"`
	Exe        string   `json:"exe"`
	Cmdline    []string `json:"cmdline"`
}

// String names the process for messages: "etcd (pid 4242)".
func (p Proc) String() string { return fmt.Sprintf("%s (pid %d)", p.Name, p.PID) }

// inspect reads process pid's identity. A process between the halves of an exec (the old
// program's memory released, the new one's arguments not yet in place) reads as one that
// exits — no command line, or no executable — for a moment; one that exits becomes a zombie.
// So inspect looks again until one of them shows (execSettle), and reads the executable after
// the command line: once the new program's arguments are in place, its executable is too.
func inspect(name string, pid int) (Proc, error) {
	boot, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return Proc{}, fmt.Errorf("reading the boot id: %w", err)
	}
	for look := 0; ; look++ {
		start, zombie, err := startOf(pid)
		if err != nil {
			return Proc{}, err
		}
		if zombie {
			return Proc{}, fmt.Errorf("process %d: %w", pid, errEnded)
		}
		argv, err := nulSeparated(pid, "cmdline")
		if err != nil {
			return Proc{}, err
		}
		exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
		switch {
		case err != nil && !errors.Is(err, fs.ErrNotExist):
			return Proc{}, fmt.Errorf("reading process %d's executable: %w", pid, err)
		case err == nil && len(argv) > 0:
			return Proc{Name: name, PID: pid, StartTicks: start, BootID: strings.TrimSpace(string(boot)), Exe: exe, Cmdline: argv}, nil
		case look == execSettleLooks:
			return Proc{}, fmt.Errorf("process %d: %w", pid, errEnded)
		}
		time.Sleep(execSettle)
	}
}

// execSettle and execSettleLooks bound how long inspect waits for a process to finish its exec
// or become a zombie (an exec's second half takes microseconds).
const (
	execSettle      = time.Millisecond
	execSettleLooks = 100
)

// self is this process's identity, named after its program.
func self() (Proc, error) {
	return inspect(filepath.Base(os.Args[0]), os.Getpid())
}

// running reports whether p still runs as the process that was recorded. It does not once no
// process has its pid any more, or while it ends (see errEnded; ended says when it has); an
// error says why a process that has its pid must be left alone: it is another one (the pid was
// given again), or it cannot be told apart.
func (p Proc) running() (bool, error) {
	now, err := inspect(p.Name, p.PID)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errEnded) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("pid %d cannot be told apart from another process: %w", p.PID, err)
	}
	if now.StartTicks != p.StartTicks || now.BootID != p.BootID || !sameExe(now.Exe, p.Exe) || !slices.Equal(now.Cmdline, p.Cmdline) {
		return false, fmt.Errorf("pid %d is now another process (%s, started at tick %d; %s started at tick %d)",
			p.PID, now.Exe, now.StartTicks, p.Name, p.StartTicks)
	}
	return true, nil
}

// sameExe reports whether two readings of a process's executable name one file path. A binary
// replaced while it runs (`go build -o` rebuilding the demo, `make envtest-assets` the control
// plane) reads "<path> (deleted)" from then on; the process is still the one recorded.
func sameExe(now, recorded string) bool {
	const replaced = " (deleted)"
	return strings.TrimSuffix(now, replaced) == strings.TrimSuffix(recorded, replaced)
}

// ended reports whether p has ended: no process has its pid any more, a later process has it,
// or it is a zombie (ended, waiting to be reaped) with no thread left. A process whose first
// thread has exited shows as a zombie while its other threads still exit, holding its files
// and ports: it has not ended yet.
func (p Proc) ended() bool {
	start, zombie, err := startOf(p.PID)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return true
	case err != nil:
		return false
	case start != p.StartTicks:
		return true
	case !zombie:
		return false
	}
	threads, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", p.PID))
	return err != nil || len(threads) <= 1
}

// startOf reads when process pid started, in clock ticks after boot (field 22 of
// /proc/<pid>/stat), and whether it is a zombie (ended, not yet reaped).
func startOf(pid int) (ticks uint64, zombie bool, err error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if errors.Is(err, syscall.ESRCH) { // reaped between opening and reading
		err = fs.ErrNotExist
	}
	if err != nil {
		return 0, false, fmt.Errorf("reading process %d's stat: %w", pid, err)
	}
	// The command name (field 2) is in parentheses and may hold spaces and parentheses itself:
	// the fields are counted from the last ')'.
	end := bytes.LastIndexByte(stat, ')')
	if end < 0 {
		return 0, false, fmt.Errorf("process %d's stat has no command name: %q", pid, stat)
	}
	fields := strings.Fields(string(stat[end+1:])) // fields[0] is field 3, the state
	const startField = 22 - 3
	if len(fields) <= startField {
		return 0, false, errors.New("process " + strconv.Itoa(pid) + "'s stat is too short")
	}
	ticks, err = strconv.ParseUint(fields[startField], 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("process %d's start time: %w", pid, err)
	}
	return ticks, fields[0] == "Z" || fields[0] == "X", nil
}
