package devenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// BuildManager compiles cmd/main.go — the manager as it ships — into dir.
func BuildManager(ctx context.Context, dir string) (string, error) {
	root, err := Root()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "manager")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the manager: %w: %s", err, out)
	}
	return bin, nil
}

// Process is the manager binary running as a process of its own, as the operator's service
// account, against the environment: killing it (SIGKILL) is a real crash, and two of them
// elect a leader for real.
type Process struct {
	Name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// ProcessOptions configure StartManagerProcess.
type ProcessOptions struct {
	// Name tells the processes apart (worker name, log file).
	Name string
	// Dir holds the kubeconfig, the record key and the log.
	Dir string
	// Args are more flags (for example --leader-elect, --task-heartbeat-seconds=...).
	Args []string
}

// StartManagerProcess starts binary (see BuildManager) with the flags that point it at the
// environment: the operator's identity, the local endpoint, its activity and machine, and the
// record key. The environment's webhook server keeps serving admission (the process runs none:
// one address is registered).
func (e *Env) StartManagerProcess(ctx context.Context, binary string, o ProcessOptions) (*Process, error) {
	cp, ep := e.ControlPlane, e.Endpoint
	user, err := cp.Env.AddUser(envtest.User{Name: OperatorUsername, Groups: OperatorGroups}, nil)
	if err != nil {
		return nil, fmt.Errorf("an identity for %s: %w", o.Name, err)
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(o.Dir, o.Name+".kubeconfig"), kubeconfig, 0o600); err != nil {
		return nil, err
	}
	logFile, err := os.OpenFile(filepath.Join(o.Dir, o.Name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	args := append([]string{
		"--kubeconfig=" + filepath.Join(o.Dir, o.Name+".kubeconfig"),
		"--enable-webhooks=false",
		"--metrics-bind-address=0",
		"--health-probe-bind-address=0",
		"--leader-election-namespace=" + OperatorNamespace,
		"--namespace=" + OperatorNamespace,
		"--activity-arn=" + ep.ActivityARN,
		"--state-machine-arn=" + ep.MachineARN,
		"--aws-region=" + Region,
		"--aws-endpoint-url=" + ep.URL,
		"--aws-allow-insecure-endpoint",
		"--worker-name=" + o.Name,
	}, o.Args...)
	cmd := exec.Command(binary, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local", "AWS_EC2_METADATA_DISABLED=true")
	cmd.SysProcAttr = childAttr() // it dies with this process
	thread := holdThread()
	thread.do(func() { err = cmd.Start() })
	if err != nil {
		thread.release()
		_ = logFile.Close() // nothing was written
		return nil, fmt.Errorf("starting %s: %w", o.Name, err)
	}
	p := &Process{Name: o.Name, cmd: cmd, done: make(chan struct{})}
	recorded := cp.run.add(o.Name, cmd.Process.Pid)
	go func() {
		p.err = cmd.Wait()
		thread.release()
		_ = cp.run.remove(cmd.Process.Pid) // a record that says too much only costs a check
		_ = logFile.Close()                // the process is gone; its log is complete
		close(p.done)
	}()
	if recorded != nil {
		return nil, errors.Join(recorded, p.Kill())
	}
	return p, nil
}

// Kill ends the process at once (SIGKILL): whatever it was doing stays half done.
func (p *Process) Kill() error {
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	<-p.done
	return nil
}

// Stop asks the process to stop (SIGTERM) and waits up to 30 s, then kills it.
func (p *Process) Stop() error {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-p.done:
		return nil
	case <-time.After(30 * time.Second):
		return p.Kill()
	}
}

// Exited reports whether the process ended, and how.
func (p *Process) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// PID is the process ID, for messages.
func (p *Process) PID() string { return strconv.Itoa(p.cmd.Process.Pid) }
