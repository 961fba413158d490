package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// profiler takes CPU profiles of the manager (its --pprof-bind-address) while a phase runs,
// into dir: the profile before a change, as issue 15 asks (go tool pprof FILE).
type profiler struct {
	dir  string
	addr string
	wg   sync.WaitGroup
}

// newProfiler picks a free loopback port for the manager's profiler; nil when dir is "".
func newProfiler(dir string) (*profiler, error) {
	if dir == "" {
		return nil, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	return &profiler{dir: dir, addr: addr}, l.Close()
}

// args are the manager's flags that serve the profiler.
func (p *profiler) args() []string {
	if p == nil {
		return nil
	}
	return []string{"--pprof-bind-address=" + p.addr}
}

// cpu profiles the manager for the next d in the background, into <name>.cpu.pprof.
func (p *profiler) cpu(ctx context.Context, name string, d time.Duration) {
	if p == nil {
		return
	}
	p.wg.Go(func() {
		url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", p.addr, int(d.Seconds()))
		err := p.fetch(ctx, url, filepath.Join(p.dir, name+".cpu.pprof"))
		for tries := 0; err != nil && errors.Is(err, syscall.ECONNREFUSED) && tries < 100; tries++ {
			time.Sleep(20 * time.Millisecond) // a manager just started: its profiler is not listening yet
			err = p.fetch(ctx, url, filepath.Join(p.dir, name+".cpu.pprof"))
		}
		if err != nil {
			say("profile %s: %v", name, err)
			return
		}
		say("profile %s: %s", name, filepath.Join(p.dir, name+".cpu.pprof"))
	})
}

func (p *profiler) fetch(ctx context.Context, url, file string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }() // read to the end below, or refused
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		_ = f.Close() // the copy's error says more
		return err
	}
	return f.Close()
}

// heap takes the manager's heap profile now, into <name>.heap.pprof.
func (p *profiler) heap(ctx context.Context, name string) {
	if p == nil {
		return
	}
	file := filepath.Join(p.dir, name+".heap.pprof")
	if err := p.fetch(ctx, "http://"+p.addr+"/debug/pprof/heap", file); err != nil {
		say("heap profile %s: %v", name, err)
		return
	}
	say("heap profile %s: %s", name, file)
}

// wait waits for the profiles under way.
func (p *profiler) wait() {
	if p != nil {
		p.wg.Wait()
	}
}
