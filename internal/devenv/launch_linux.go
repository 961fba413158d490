package devenv

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// The launcher. On Linux a child can be sent a signal when its parent dies (Pdeathsig), so
// that etcd and kube-apiserver do not outlive a run that is killed. envtest starts them itself
// and sets their exec.Cmd's SysProcAttr to its own (a process group each: controller-runtime's
// internal/testing/process.State.Start), with no way to add Pdeathsig; it does take the paths
// of the binaries. So the control plane points those at links to this very executable, named
// etcd and kube-apiserver, in its run directory; started under such a name, this program's init
// asks for SIGKILL on its parent's death, checks that its parent is still the process that
// started it (else that one died already and nothing would end it), and execs the real binary
// in its place: the same pid, the signal kept across exec.
//
// The caveat (golang.org/issue/27505): Linux sends the signal when the thread that started the
// child ends, not the process, and Go ends a thread when a goroutine locked to it returns. The
// control plane starts its processes from a goroutine locked to its thread until they are
// stopped (heldThread), so the thread ends with the process and not before.

// The launcher's environment: the directory of the real binaries, and the pid its parent must
// have.
const (
	launchAssetsEnv = "TOLLGATE_DEVENV_ASSETS"
	launchParentEnv = "TOLLGATE_DEVENV_PARENT"
)

// childrenOutliveEnv, set to 1, leaves out the parent-death signal: the processes then outlive
// a killed run, as they do where Linux's signal is not available, and only EndLeftovers ends
// them (the demo's crash test leaves processes behind that way).
const childrenOutliveEnv = "TOLLGATE_DEVENV_CHILDREN_OUTLIVE"

// launched are the binaries the launcher starts.
var launched = []string{"etcd", "kube-apiserver"}

func init() {
	assets, name := os.Getenv(launchAssetsEnv), filepath.Base(os.Args[0])
	if assets == "" || !slices.Contains(launched, name) {
		return
	}
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(syscall.SIGKILL), 0, 0, 0); err != nil {
		fmt.Fprintf(os.Stderr, "devenv launcher: asking for a signal on the parent's death: %v\n", err)
		os.Exit(1)
	}
	if strconv.Itoa(os.Getppid()) != os.Getenv(launchParentEnv) {
		fmt.Fprintf(os.Stderr, "devenv launcher: the process that started %s (pid %s) is gone\n", name, os.Getenv(launchParentEnv))
		os.Exit(1)
	}
	bin := filepath.Join(assets, name)
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, launchAssetsEnv+"=") || strings.HasPrefix(kv, launchParentEnv+"=")
	})
	err := syscall.Exec(bin, append([]string{bin}, os.Args[1:]...), env) //nolint:gosec // the control plane's own binary
	fmt.Fprintf(os.Stderr, "devenv launcher: starting %s: %v\n", bin, err)
	os.Exit(127)
}

// launchers returns the paths envtest is to start etcd and kube-apiserver from: links to the
// launcher in dir, for the binaries in assets. With childrenOutliveEnv set they are the real
// binaries' paths.
func launchers(dir, assets string) (etcd, apiServer string, err error) {
	if os.Getenv(childrenOutliveEnv) == "1" {
		return filepath.Join(assets, "etcd"), filepath.Join(assets, "kube-apiserver"), nil
	}
	exe, err := os.Executable()
	if err != nil {
		return "", "", fmt.Errorf("finding this program, the control plane's launcher: %w", err)
	}
	bin := filepath.Join(dir, "bin")
	if err := os.MkdirAll(bin, 0o700); err != nil {
		return "", "", fmt.Errorf("creating the launcher's directory: %w", err)
	}
	for _, name := range launched {
		if err := os.Symlink(exe, filepath.Join(bin, name)); err != nil {
			return "", "", fmt.Errorf("linking the launcher: %w", err)
		}
	}
	if err := os.Setenv(launchAssetsEnv, assets); err != nil {
		return "", "", err
	}
	if err := os.Setenv(launchParentEnv, strconv.Itoa(os.Getpid())); err != nil {
		return "", "", err
	}
	return filepath.Join(bin, "etcd"), filepath.Join(bin, "kube-apiserver"), nil
}

// childAttr is how the environment starts a process of its own (a manager, a kube-apiserver
// started again): SIGKILL when the thread that started it ends (see heldThread), unless
// childrenOutliveEnv says otherwise.
func childAttr() *syscall.SysProcAttr {
	if os.Getenv(childrenOutliveEnv) == "1" {
		return nil
	}
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
