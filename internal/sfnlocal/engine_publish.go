package sfnlocal

import (
	"context"
	"fmt"
)

// runPublish runs the request-response sns:publish integration. The
// parameters are evaluated as for any Task; TaskScheduled and TaskStarted are
// recorded and SNS's checks made at once (sns.go), so a refused publish fails
// the task right away, as does any publish without a sink (no topic exists
// locally). A message that passes goes to the sink in a goroutine of its own,
// so that a slow sink holds no lock and StartExecution answers at once, as on
// AWS: TaskSucceeded or TaskFailed follows when the sink has answered
// (deliveryDone).
func (s *Server) runPublish(e *execution, th *thread, st *state) {
	in, text, timeout, heartbeat, aerr := s.taskInput(e, th, st, nil)
	if aerr != nil {
		s.stateFailed(e, th, st, aerr)
		return
	}
	now := s.clock.Now()
	s.recordTaskScheduled(e, th, st, text, timeout, heartbeat)
	r := st.resource
	e.record(th, now, "TaskStarted", taskStartedDetails{ResourceType: r.service, Resource: r.action})
	call := &publishCall{RequestID: newRequestID()}
	n, fifo, serr := parsePublish(in, s.opts.Region)
	if serr == nil && s.opts.SNSSink == nil {
		serr = errSNSTopicNotFound
	}
	if serr != nil {
		s.integrationFailed(e, th, st, serr.taskError(call.RequestID))
		return
	}
	n.MessageID = newRequestID()
	n.Timestamp = now.UTC().Format(snsTimeFormat)
	call.Notification = n
	if fifo {
		call.SequenceNumber = s.nextSequenceNumber(now)
	}
	th.Phase = phasePublish
	th.Publish = call
	s.deliver(e.ARN, th.ID, call)
}

// deliver hands call to the sink in a goroutine, bounded by sinkTimeout and
// cancelled by Close; the outcome comes back under mu (deliveryDone).
func (s *Server) deliver(execARN string, threadID int, call *publishCall) {
	if s.closed {
		return // Close waits for the deliveries it knows of; this one runs after a restart
	}
	sink := s.opts.SNSSink
	s.deliveries.Go(func() {
		ctx, cancel := context.WithTimeout(s.deliveryCtx, sinkTimeout)
		err := deliverSafely(ctx, sink, call.Notification)
		cancel()
		s.deliveryDone(execARN, threadID, call, err)
	})
}

// deliverSafely turns a panic of the sink (code given in Options) into a
// failed delivery.
func deliverSafely(ctx context.Context, sink SNSSink, n SNSNotification) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("sns sink panicked: %v", v)
		}
	}()
	return sink.Deliver(ctx, n)
}

// deliveryDone ends the publish of a thread with the sink's answer, unless
// the thread moved on meanwhile (the execution was stopped, or a sibling
// ended its Map or Parallel): the message was published all the same, as on
// AWS.
func (s *Server) deliveryDone(execARN string, threadID int, call *publishCall, err error) {
	defer s.recoverTimer("sns delivery")
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.runningExecution(execARN)
	if e == nil {
		return
	}
	th := e.threads[threadID]
	if th == nil || th.Phase != phasePublish || th.Publish != call {
		return
	}
	th.Publish = nil
	st := th.machine.States[th.State]
	if err != nil {
		s.log.Warn("sfnlocal: sns sink failed", "execution", execARN, "state", st.name, "messageId", call.Notification.MessageID, "err", err)
		s.integrationFailed(e, th, st, snsSinkFailed(err).taskError(call.RequestID))
	} else {
		s.integrationSucceeded(e, th, st, call.result(s.clock.Now()))
	}
	s.drive(e)
	s.persist()
}

// resumeDeliveries, at start, hands the sink again the publishes that were
// under way when the endpoint stopped: a message may reach the sink twice
// (with the same MessageId), none is lost; SNS too delivers at least once.
// Without a sink now, they fail as any publish without one.
func (s *Server) resumeDeliveries() {
	s.mu.Lock()
	defer s.mu.Unlock()
	changed := false
	for _, e := range s.executions {
		for _, th := range e.threads {
			if e.Status != statusRunning || th.Phase != phasePublish || th.Publish == nil {
				continue
			}
			if s.opts.SNSSink != nil {
				s.deliver(e.ARN, th.ID, th.Publish)
				continue
			}
			call := th.Publish
			th.Publish = nil
			s.integrationFailed(e, th, th.machine.States[th.State], errSNSTopicNotFound.taskError(call.RequestID))
			s.drive(e)
			changed = true
		}
	}
	if changed {
		s.persist()
	}
}
