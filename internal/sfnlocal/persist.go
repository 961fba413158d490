package sfnlocal

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// saveLocked commits the records changed since the last commit to the state
// file (store.go). It runs after every change, under mu, so an answered call
// is durable.
func (s *Server) saveLocked() error {
	return s.store.commit(s)
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
	s.store = newStore(s.opts.StateFile, s.log)
	if err := s.store.open(s); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.executions {
		if err := s.restoreExecution(e); err != nil {
			return fmt.Errorf("execution %s: %w", e.ARN, err)
		}
	}
	s.requeueUndelivered()
	for _, e := range s.executions {
		if len(e.ready) > 0 {
			s.drive(e)
		}
	}
	return s.saveLocked()
}

func (s *Server) restoreExecution(e *execution) error {
	def, err := parseDefinition(e.Definition)
	if err != nil {
		return err
	}
	e.def = def
	if e.Root == nil {
		return errors.New("no root thread")
	}
	e.threads = map[int]*thread{}
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
