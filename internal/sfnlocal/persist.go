package sfnlocal

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

const snapshotVersion = 1

// snapshot is the content of Options.StateFile: every resource, every
// execution with its thread tree and history, and every task token.
type snapshot struct {
	Version    int
	ExecSeq    int64
	Activities []*activity
	Machines   []*stateMachine
	Executions []*execution
	Tokens     map[string]*tokenRecord
}

// saveLocked writes the state file atomically (temporary file + rename).
// It runs after every change, under mu, so an answered call is durable.
func (s *Server) saveLocked() (err error) {
	if s.opts.StateFile == "" {
		return nil
	}
	snap := snapshot{Version: snapshotVersion, ExecSeq: s.execSeq, Tokens: s.tokens}
	for _, a := range s.activities {
		snap.Activities = append(snap.Activities, a)
	}
	for _, sm := range s.machines {
		snap.Machines = append(snap.Machines, sm)
	}
	for _, e := range s.executions {
		snap.Executions = append(snap.Executions, e)
	}
	data, err := json.Marshal(&snap)
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.opts.StateFile), filepath.Base(s.opts.StateFile)+".*.tmp")
	if err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	defer func() {
		// After the rename the temporary file is gone and there is nothing to remove.
		if rmErr := os.Remove(tmp.Name()); rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) {
			err = errors.Join(err, fmt.Errorf("save state: remove the temporary file: %w", rmErr))
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return errors.Join(fmt.Errorf("save state: %w", err), tmp.Close())
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.opts.StateFile); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	return nil
}

// persist saves from a timer callback, where no caller can take the error.
func (s *Server) persist() {
	if err := s.saveLocked(); err != nil {
		s.log.Error("sfnlocal: persist state", "err", err)
	}
}

// load restores the state file, if any, and resumes the running executions:
// timers are re-armed from the saved deadlines and undelivered tasks queued
// again; delivered tokens stay valid.
func (s *Server) load() error {
	if s.opts.StateFile == "" {
		return nil
	}
	data, err := os.ReadFile(s.opts.StateFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var snap snapshot
	if err := json.Unmarshal(data, &snap); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	if snap.Version != snapshotVersion {
		return fmt.Errorf("unsupported state file version %d", snap.Version)
	}
	s.execSeq = snap.ExecSeq
	if snap.Tokens != nil {
		s.tokens = snap.Tokens
	}
	for _, a := range snap.Activities {
		s.activities[a.ARN] = a
	}
	for _, sm := range snap.Machines {
		s.machines[sm.ARN] = sm
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range snap.Executions {
		if err := s.restoreExecution(e); err != nil {
			return fmt.Errorf("execution %s: %w", e.ARN, err)
		}
	}
	s.requeueUndelivered()
	for _, e := range s.executions {
		s.drive(e)
	}
	return nil
}

func (s *Server) restoreExecution(e *execution) error {
	def, err := parseDefinition(e.Definition)
	if err != nil {
		return err
	}
	e.def = def
	e.threads = map[int]*thread{}
	s.executions[e.ARN] = e
	if err := e.restoreThread(e.Root, nil, def); err != nil {
		return err
	}
	if e.Status != statusRunning {
		return nil
	}
	if !e.Deadline.IsZero() {
		s.armExecutionTimer(e)
	}
	for _, th := range e.threads {
		switch th.Phase {
		case phaseReady:
			e.ready = append(e.ready, th)
		case phaseTask:
			s.armTaskTimer(e, th)
		case phaseWait, phaseRetry:
			s.armThreadTimer(e, th, th.WakeAt)
		}
	}
	slices.SortFunc(e.ready, func(a, b *thread) int { return a.ID - b.ID })
	return nil
}

// restoreThread relinks th (and its children) to its parent and machine.
func (e *execution) restoreThread(th, parent *thread, machine *definition) error {
	th.parent, th.machine = parent, machine
	e.threads[th.ID] = th
	st := machine.States[th.State]
	if st == nil {
		return fmt.Errorf("thread %d is in unknown state %q", th.ID, th.State)
	}
	for _, c := range th.Children {
		if c == nil {
			continue
		}
		sub := st.ItemProcessor
		if st.Type == typeParallel {
			if c.Index >= len(st.Branches) {
				return fmt.Errorf("thread %d: no branch %d in state %q", c.ID, c.Index, st.name)
			}
			sub = st.Branches[c.Index]
		}
		if err := e.restoreThread(c, th, sub); err != nil {
			return err
		}
	}
	return nil
}

// requeueUndelivered rebuilds the activity queues in scheduling order.
func (s *Server) requeueUndelivered() {
	type pending struct {
		at    time.Time
		token string
		act   *activity
	}
	var all []pending
	for _, e := range s.executions {
		for _, th := range e.threads {
			if th.Phase != phaseTask || th.Task.Delivered {
				continue
			}
			if a := s.activities[th.Task.ActivityARN]; a != nil {
				all = append(all, pending{th.Task.Scheduled, th.Task.Token, a})
			}
		}
	}
	slices.SortFunc(all, func(x, y pending) int { return x.at.Compare(y.at) })
	for _, p := range all {
		p.act.queue = append(p.act.queue, p.token)
	}
}
