package sfnlocal

import (
	"time"

	"github.com/tollgate-dev/tollgate/internal/sfnlocal/asl"
)

// The engine is a set of transitions on the data of an execution, always run
// under Server.mu: an API call or a timer changes a thread, then drive lets
// every thread made ready enter its next state until all of them wait.

// drive runs the ready threads of e until each one waits or ends.
// It marks e changed for the state file: every API call and timer that
// moves an execution's threads ends here.
func (s *Server) drive(e *execution) {
	s.store.mark(kindExecution, e.ARN)
	for len(e.ready) > 0 && e.Status == statusRunning && !e.overflow {
		th := e.ready[0]
		e.ready = e.ready[1:]
		if th.Phase != phaseReady {
			continue
		}
		if e.historyFull() {
			e.overflow = true
			break
		}
		s.enterState(e, th)
	}
	if e.overflow && e.Status == statusRunning {
		s.failHistoryFull(e)
	}
}

func (s *Server) enterState(e *execution, th *thread) {
	st := th.machine.States[th.State]
	th.Entered = s.clock.Now()
	th.Retries = make([]int64, len(st.Retry))
	th.RetryCount = 0
	th.EnteredEvent = e.record(th, th.Entered, st.Type+"StateEntered", stateEnteredDetails{Name: st.name, Input: th.Input.text()})
	s.runState(e, th, st)
}

// runState does the work of st; a retry runs it again without a new
// StateEntered event.
func (s *Server) runState(e *execution, th *thread, st *state) {
	switch st.Type {
	case typePass:
		s.runPass(e, th, st)
	case typeSucceed:
		s.runSucceed(e, th, st)
	case typeFail:
		s.runFail(e, th, st)
	case typeChoice:
		s.runChoice(e, th, st)
	case typeWait:
		s.runWait(e, th, st)
	case typeTask:
		s.runTask(e, th, st)
	case typeParallel:
		s.runParallel(e, th, st)
	case typeMap:
		s.runMap(e, th, st)
	}
}

// stateSucceeded records the exit of st with output and follows its Next
// (or ends the thread); assigned are the variables its Assign set.
func (s *Server) stateSucceeded(e *execution, th *thread, st *state, output any, assigned map[string]any) {
	next := st.Next
	if st.End || st.Type == typeSucceed {
		next = ""
	}
	s.exitState(e, th, st, output, next, assigned)
}

func (s *Server) exitState(e *execution, th *thread, st *state, output any, next string, assigned map[string]any) {
	text, lerr := checkDataLimit(jsonValue{V: output}, st.name)
	if lerr != nil {
		s.stateFailed(e, th, st, lerr)
		return
	}
	details := stateExitedDetails{Name: st.name, Output: text}
	th.assign(assigned, &details)
	e.record(th, s.clock.Now(), st.Type+"StateExited", details)
	if next == "" {
		s.threadEnded(e, th, phaseSucceeded, output, nil)
		return
	}
	th.State = next
	th.Input = jsonValue{V: output}
	th.Phase = phaseReady
	e.ready = append(e.ready, th)
}

// stateFailed applies the Retry then the Catch fields of st to err, or fails
// the thread.
func (s *Server) stateFailed(e *execution, th *thread, st *state, err *asl.Error) {
	th.stopTimer()
	now := s.clock.Now()
	for i, r := range st.retriers {
		if !asl.ErrorMatches(r.ErrorEquals, err.Name) {
			continue
		}
		if th.Retries[i] >= int64(r.MaxAttempts) {
			break
		}
		th.Retries[i]++
		th.RetryCount++
		th.Phase = phaseRetry
		th.WakeAt = now.Add(r.Delay(int(th.Retries[i]), nil))
		s.armThreadTimer(e, th, th.WakeAt)
		return
	}
	reported := reportedError(err)
	for _, c := range st.Catch {
		if !asl.ErrorMatches(c.ErrorEquals, err.Name) {
			continue
		}
		errOutput := map[string]any{"Error": reported.Name, "Cause": reported.Cause}
		assigned, perr := evalAssign(th, st, c.assign, errOutput, s.env(e, th, nil))
		if perr != nil {
			s.threadEnded(e, th, phaseFailed, nil, perr)
			return
		}
		out, perr := applyResultPath(th.Input.V, errOutput, c.ResultPath)
		if perr == nil {
			// Checked here so that an oversized output cannot be caught again.
			_, perr = checkDataLimit(jsonValue{V: out}, st.name)
		}
		if perr != nil {
			s.threadEnded(e, th, phaseFailed, nil, perr)
			return
		}
		s.exitState(e, th, st, out, c.Next, assigned)
		return
	}
	s.threadEnded(e, th, phaseFailed, nil, reported)
}

// reportedError is the error as history and the execution show it: a
// heartbeat timeout, matched by Retry and Catch as States.HeartbeatTimeout,
// is reported as States.Timeout.
func reportedError(err *asl.Error) *asl.Error {
	if err.Name == asl.ErrHeartbeatTimeout {
		return &asl.Error{Name: asl.ErrTimeout, Cause: err.Cause}
	}
	return err
}

// threadEnded settles th and tells its parent (or ends the execution).
func (s *Server) threadEnded(e *execution, th *thread, phase string, output any, failure *asl.Error) {
	th.stopTimer()
	th.Phase = phase
	th.Output = jsonValue{V: output}
	th.Failure = failure
	if th.parent == nil {
		s.finishExecution(e, phase, output, failure)
		return
	}
	parent := th.parent
	st := parent.machine.States[parent.State]
	if st.Type == typeParallel {
		s.parallelChildEnded(e, parent, st, th)
		return
	}
	s.mapChildEnded(e, parent, st, th)
}

// abortThread cancels th and its descendants: timers stop and outstanding
// task tokens answer TaskTimedOut from now on. th may be nil: a Map keeps a
// nil child for each iteration it has not started yet (MaxConcurrency, or
// past the 40 inline iterations AWS runs at once).
func (s *Server) abortThread(th *thread) {
	if th == nil || th.ended() {
		return
	}
	th.stopTimer()
	s.closeTask(th)
	for _, c := range th.Children {
		s.abortThread(c)
	}
	th.Phase = phaseAborted
}

// finishExecution closes e after its root thread ended.
func (s *Server) finishExecution(e *execution, phase string, output any, failure *asl.Error) {
	now := s.clock.Now()
	switch phase {
	case phaseSucceeded:
		text := jsonValue{V: output}.text()
		e.OutputText = &text
		e.Status = statusSucceeded
		e.record(nil, now, "ExecutionSucceeded", outputDetails{Output: text})
	default:
		e.Status = statusFailed
		e.setError(failure.Name, failure.Cause)
		e.record(nil, now, "ExecutionFailed", newErrorDetails(failure.Name, failure.Cause))
	}
	s.closeExecution(e, now)
}

// closeExecution releases everything a closed execution still holds.
func (s *Server) closeExecution(e *execution, now time.Time) {
	s.abortThread(e.Root)
	e.StopDate = now
	e.ready = nil
	e.stopTimers()
	s.finishDeletion(e.MachineARN)
}

func (e *execution) setError(name, cause string) {
	if name != "" {
		e.Error = &name
	}
	if cause != "" {
		e.Cause = &cause
	}
}

// armThreadTimer (re)arms the single timer of th to fire at at.
func (s *Server) armThreadTimer(e *execution, th *thread, at time.Time) {
	th.stopTimer()
	execARN, id := e.ARN, th.ID
	th.timer = s.clock.AfterFunc(at.Sub(s.clock.Now()), func() { s.onThreadTimer(execARN, id) })
}

// onThreadTimer is the callback of every thread timer: it re-checks the
// thread, since a timer may fire after the thread moved on.
func (s *Server) onThreadTimer(execARN string, id int) {
	defer s.recoverTimer("thread")
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.runningExecution(execARN)
	if e == nil || e.threads[id] == nil {
		return
	}
	th := e.threads[id]
	th.timer = nil
	now := s.clock.Now()
	st := th.machine.States[th.State]
	switch th.Phase {
	case phaseRetry:
		if s.rearmIfEarly(e, th, th.WakeAt, now) {
			return
		}
		s.runState(e, th, st)
	case phaseWait:
		if s.rearmIfEarly(e, th, th.WakeAt, now) {
			return
		}
		s.waitEnded(e, th, st)
	case phaseTask:
		s.checkTaskDeadlines(e, th, st, now)
	}
	s.drive(e)
	s.persist()
}

func (s *Server) rearmIfEarly(e *execution, th *thread, at, now time.Time) bool {
	if now.Before(at) {
		s.armThreadTimer(e, th, at)
		return true
	}
	return false
}
