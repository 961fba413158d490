package sfnlocal

import (
	"fmt"
	"time"

	"github.com/tollgate-dev/tollgate/internal/sfnlocal/asl"
)

// runTask schedules one attempt of an activity task: a fresh token, the
// effective input (with $$.Task.Token), its deadlines, and a place in the
// activity's queue.
func (s *Server) runTask(e *execution, th *thread, st *state) {
	switch {
	case st.resource.isSNSPublish():
		s.runPublish(e, th, st)
		return
	case st.resource.kind != resActivity:
		s.runIntegration(e, th, st)
		return
	}
	act := s.activities[st.Resource]
	if act == nil {
		s.stateFailed(e, th, st, &asl.Error{Name: asl.ErrRuntime, Cause: fmt.Sprintf("An error occurred while executing the state '%s' (entered at the event id #%d). The activity %s does not exist.", st.name, th.LastEvent, st.Resource)})
		return
	}
	token, err := newTaskToken()
	if err != nil {
		s.stateFailed(e, th, st, &asl.Error{Name: asl.ErrRuntime, Cause: err.Error()})
		return
	}
	_, text, timeout, heartbeat, aerr := s.taskInput(e, th, st, map[string]any{"Task": map[string]any{"Token": token}})
	if aerr != nil {
		s.stateFailed(e, th, st, aerr)
		return
	}
	now := s.clock.Now()
	t := &taskAttempt{Token: token, ActivityARN: act.ARN, Input: text, Scheduled: now, HeartbeatSeconds: heartbeat}
	details := activityScheduledDetails{Resource: act.ARN, Input: text}
	if timeout > 0 {
		t.TimeoutAt = now.Add(secondsDuration(timeout))
		details.TimeoutInSeconds = &timeout
	}
	if heartbeat > 0 {
		t.HeartbeatAt = now.Add(secondsDuration(heartbeat))
		details.HeartbeatInSeconds = &heartbeat
	}
	th.Task = t
	th.Phase = phaseTask
	s.tokens[token] = &tokenRecord{ExecutionARN: e.ARN, Thread: th.ID, Open: true}
	s.store.mark(kindToken, token)
	e.record(th, now, "ActivityScheduled", details)
	s.armTaskTimer(e, th)
	s.enqueueTask(act, token)
}

// runIntegration plays a Task on a service integration or a Lambda function
// that sfnlocal does not call (all but sns:publish, engine_publish.go): the
// effective input is computed (so data errors surface as they would on AWS),
// the task is scheduled and at once fails with States.TaskFailed, which Retry
// and Catch see like any failure of the called service. History shows
// TaskScheduled then TaskFailed (LambdaFunctionScheduled then
// LambdaFunctionFailed for a function ARN).
func (s *Server) runIntegration(e *execution, th *thread, st *state) {
	var extra map[string]any
	if st.resource.waitsForToken() {
		// A token that no API call will ever find: the task fails before it
		// could be handed to anyone.
		token, err := newTaskToken()
		if err != nil {
			s.stateFailed(e, th, st, &asl.Error{Name: asl.ErrRuntime, Cause: err.Error()})
			return
		}
		extra = map[string]any{"Task": map[string]any{"Token": token}}
	}
	_, text, timeout, heartbeat, aerr := s.taskInput(e, th, st, extra)
	if aerr != nil {
		s.stateFailed(e, th, st, aerr)
		return
	}
	fail := &asl.Error{Name: asl.ErrTaskFailed, Cause: fmt.Sprintf("sfnlocal does not execute %s: only activity tasks and sns:publish run locally", st.Resource)}
	if st.resource.kind == resLambda {
		now := s.clock.Now()
		e.record(th, now, "LambdaFunctionScheduled", lambdaScheduledDetails{Resource: st.Resource, Input: text, TimeoutInSeconds: positive(timeout)})
		e.record(th, now, "LambdaFunctionFailed", newErrorDetails(fail.Name, fail.Cause))
		s.stateFailed(e, th, st, fail)
		return
	}
	s.recordTaskScheduled(e, th, st, text, timeout, heartbeat)
	s.integrationFailed(e, th, st, fail)
}

// recordTaskScheduled records the TaskScheduled event of a service
// integration: its service and action, the region and the parameters.
func (s *Server) recordTaskScheduled(e *execution, th *thread, st *state, params string, timeout, heartbeat int64) {
	r := st.resource
	e.record(th, s.clock.Now(), "TaskScheduled", taskScheduledDetails{
		ResourceType: r.service, Resource: r.action, Region: s.opts.Region, Parameters: params,
		TimeoutInSeconds: positive(timeout), HeartbeatInSeconds: positive(heartbeat),
	})
}

// integrationFailed records the TaskFailed event of a service integration
// and applies the state's Retry and Catch to err.
func (s *Server) integrationFailed(e *execution, th *thread, st *state, err *asl.Error) {
	d := newErrorDetails(err.Name, err.Cause)
	r := st.resource
	e.record(th, s.clock.Now(), "TaskFailed", taskFailedDetails{ResourceType: r.service, Resource: r.action, Error: d.Error, Cause: d.Cause})
	s.stateFailed(e, th, st, err)
}

// integrationSucceeded records the TaskSucceeded event of a service
// integration and goes on with its result.
func (s *Server) integrationSucceeded(e *execution, th *thread, st *state, result any) {
	r := st.resource
	e.record(th, s.clock.Now(), "TaskSucceeded", taskSucceededDetails{ResourceType: r.service, Resource: r.action, Output: jsonValue{V: result}.text()})
	s.resultReceived(e, th, st, result)
}

// positive is v as an optional event field: nil when 0 (none).
func positive(v int64) *int64 {
	if v > 0 {
		return &v
	}
	return nil
}

// taskInput is what every Task attempt computes first: its effective input (context extras
// such as $$.Task.Token merged in) and its text, within the data limit, and its timeout and
// heartbeat.
func (s *Server) taskInput(e *execution, th *thread, st *state, extra map[string]any) (in any, text string, timeout, heartbeat int64, aerr *asl.Error) {
	if in, aerr = s.stateInput(e, th, st, extra); aerr != nil {
		return nil, "", 0, 0, aerr
	}
	if text, aerr = checkDataLimit(jsonValue{V: in}, st.name); aerr != nil {
		return nil, "", 0, 0, aerr
	}
	timeout, heartbeat, aerr = taskLimits(th, st, s.env(e, th, nil))
	return in, text, timeout, heartbeat, aerr
}

// taskLimits reads TimeoutSeconds(Path) and HeartbeatSeconds(Path); 0 is none.
func taskLimits(th *thread, st *state, env asl.Env) (timeout, heartbeat int64, err *asl.Error) {
	in, err := selectPath(th, st, th.Input.V, st.InputPath, env)
	if err != nil {
		return 0, 0, err
	}
	pick := func(fixed *int64, field, path string) (int64, *asl.Error) {
		switch {
		case fixed != nil:
			return *fixed, nil
		case path != "":
			return queryInt(th, st, field, path, in, env)
		}
		return 0, nil
	}
	if timeout, err = pick(st.TimeoutSeconds, "TimeoutSecondsPath", st.TimeoutSecondsPath); err != nil {
		return 0, 0, err
	}
	heartbeat, err = pick(st.HeartbeatSeconds, "HeartbeatSecondsPath", st.HeartbeatSecondsPath)
	return timeout, heartbeat, err
}

// armTaskTimer arms the earliest of the task's deadlines, if any.
func (s *Server) armTaskTimer(e *execution, th *thread) {
	t := th.Task
	next := t.TimeoutAt
	if !t.HeartbeatAt.IsZero() && (next.IsZero() || t.HeartbeatAt.Before(next)) {
		next = t.HeartbeatAt
	}
	if next.IsZero() {
		return
	}
	s.armThreadTimer(e, th, next)
}

// checkTaskDeadlines times the task out if a deadline passed. TimeoutSeconds
// is a hard limit; a heartbeat only moves HeartbeatAt.
func (s *Server) checkTaskDeadlines(e *execution, th *thread, st *state, now time.Time) {
	t := th.Task
	switch {
	case !t.TimeoutAt.IsZero() && !now.Before(t.TimeoutAt):
		s.taskTimedOut(e, th, st, asl.ErrTimeout)
	case !t.HeartbeatAt.IsZero() && !now.Before(t.HeartbeatAt):
		s.taskTimedOut(e, th, st, asl.ErrHeartbeatTimeout)
	default:
		s.armTaskTimer(e, th)
	}
}

// taskTimedOut records ActivityTimedOut as States.Timeout (also for a
// heartbeat timeout, which Retry and Catch see as States.HeartbeatTimeout).
func (s *Server) taskTimedOut(e *execution, th *thread, st *state, name string) {
	s.closeTask(th)
	e.record(th, s.clock.Now(), "ActivityTimedOut", newErrorDetails(asl.ErrTimeout, ""))
	s.stateFailed(e, th, st, &asl.Error{Name: name})
}

func (s *Server) taskSucceeded(e *execution, th *thread, st *state, result jsonValue) {
	s.closeTask(th)
	e.record(th, s.clock.Now(), "ActivitySucceeded", outputDetails{Output: result.text()})
	s.resultReceived(e, th, st, result.V)
}

// resultReceived goes on with the result of a task: the state's output
// (ResultSelector, ResultPath, OutputPath, Assign), then its exit.
func (s *Server) resultReceived(e *execution, th *thread, st *state, result any) {
	out, assigned, err := s.stateOutput(e, th, st, result)
	if err != nil {
		s.stateFailed(e, th, st, err)
		return
	}
	s.stateSucceeded(e, th, st, out, assigned)
}

func (s *Server) taskFailed(e *execution, th *thread, st *state, name, cause string) {
	s.closeTask(th)
	e.record(th, s.clock.Now(), "ActivityFailed", newErrorDetails(name, cause))
	s.stateFailed(e, th, st, &asl.Error{Name: name, Cause: cause})
}

// closeTask ends the outstanding attempt of th: its token answers
// TaskTimedOut from now on.
func (s *Server) closeTask(th *thread) {
	if th.Task == nil {
		return
	}
	if rec := s.tokens[th.Task.Token]; rec != nil {
		rec.Open = false
		s.store.mark(kindToken, th.Task.Token)
	}
	th.Task = nil
	th.stopTimer()
}
