package sfnlocal

import (
	"context"
	"slices"
	"strings"
	"time"
)

// activity is an activity and its task queue. Queue and pollers are runtime
// state: on reload the queue is rebuilt from the undelivered tasks.
type activity struct {
	ARN          string
	Name         string
	CreationDate time.Time

	queue   []string // tokens of undelivered tasks, oldest first
	pollers []*poller
}

// poller is a GetActivityTask call waiting for a task.
type poller struct {
	worker  string
	ch      chan polledTask // receives at most one task
	expired chan struct{}   // closed when the poll's MaxPollWait elapsed
}

type polledTask struct {
	token string
	input string
}

func (a *activity) releasePollers() {
	for _, p := range a.pollers {
		close(p.expired)
	}
	a.pollers = nil
}

func (a *activity) removePoller(p *poller) bool {
	i := slices.Index(a.pollers, p)
	if i < 0 {
		return false
	}
	a.pollers = slices.Delete(a.pollers, i, i+1)
	return true
}

type createActivityInput struct {
	Name string `json:"name"`
}

type createActivityOutput struct {
	ActivityArn  string    `json:"activityArn"`
	CreationDate epochTime `json:"creationDate"`
}

// createActivity is idempotent: the same name returns the existing activity.
func (s *Server) createActivity(_ context.Context, in *createActivityInput) (any, error) {
	if err := validName(in.Name); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	arn := s.arn(resActivity, in.Name)
	a := s.activities[arn]
	if a == nil {
		a = &activity{ARN: arn, Name: in.Name, CreationDate: s.clock.Now()}
		s.activities[arn] = a
		s.store.mark(kindActivity, arn)
	}
	return &createActivityOutput{ActivityArn: a.ARN, CreationDate: epochTime(a.CreationDate)}, s.saveLocked()
}

type activityArnInput struct {
	ActivityArn string `json:"activityArn"`
}

type describeActivityOutput struct {
	ActivityArn  string    `json:"activityArn"`
	Name         string    `json:"name"`
	CreationDate epochTime `json:"creationDate"`
}

func (s *Server) lookupActivity(arn string) (*activity, *APIError) {
	if _, err := parseARN(arn, resActivity); err != nil {
		return nil, err
	}
	a := s.activities[arn]
	if a == nil {
		return nil, errActivityDoesNotExist(arn)
	}
	return a, nil
}

func (s *Server) describeActivity(_ context.Context, in *activityArnInput) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.lookupActivity(in.ActivityArn)
	if err != nil {
		return nil, err
	}
	return &describeActivityOutput{ActivityArn: a.ARN, Name: a.Name, CreationDate: epochTime(a.CreationDate)}, nil
}

// deleteActivity succeeds for unknown activities, as AWS does.
func (s *Server) deleteActivity(_ context.Context, in *activityArnInput) (any, error) {
	if _, err := parseARN(in.ActivityArn, resActivity); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.activities[in.ActivityArn]; a != nil {
		a.releasePollers()
		delete(s.activities, in.ActivityArn)
		s.store.mark(kindActivity, in.ActivityArn)
	}
	return struct{}{}, s.saveLocked()
}

type listInput struct {
	MaxResults int32  `json:"maxResults"`
	NextToken  string `json:"nextToken"`
}

type listActivitiesOutput struct {
	Activities []describeActivityOutput `json:"activities"`
	NextToken  string                   `json:"nextToken,omitempty"`
}

func (s *Server) listActivities(_ context.Context, in *listInput) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	all := make([]describeActivityOutput, 0, len(s.activities))
	for _, a := range s.activities {
		all = append(all, describeActivityOutput{ActivityArn: a.ARN, Name: a.Name, CreationDate: epochTime(a.CreationDate)})
	}
	slices.SortFunc(all, func(x, y describeActivityOutput) int { return strings.Compare(x.Name, y.Name) })
	from, to, next, err := page(len(all), in.NextToken, in.MaxResults, maxPageToken)
	if err != nil {
		return nil, err
	}
	return &listActivitiesOutput{Activities: all[from:to], NextToken: next}, nil
}

type getActivityTaskInput struct {
	ActivityArn string `json:"activityArn"`
	WorkerName  string `json:"workerName"`
}

type getActivityTaskOutput struct {
	TaskToken string `json:"taskToken,omitempty"`
	Input     string `json:"input,omitempty"`
}

// getActivityTask long-polls: it returns a queued task at once, or waits for
// one to be scheduled, until MaxPollWait, the request's cancellation or
// Close. An empty answer (no taskToken) means no task, as in AWS.
func (s *Server) getActivityTask(ctx context.Context, in *getActivityTaskInput) (any, error) {
	if len(in.WorkerName) > 80 {
		return nil, errValidation("1 validation error detected: Value at 'workerName' failed to satisfy constraint: Member must have length less than or equal to 80")
	}
	a, p, timer, out, err := s.takeOrPark(in)
	if p == nil {
		return out, err
	}
	defer timer.Stop()
	select {
	case t := <-p.ch:
		return &getActivityTaskOutput{TaskToken: t.token, Input: t.input}, nil
	case <-p.expired:
	case <-ctx.Done():
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a.removePoller(p)
	// Deliveries happen under mu and remove the poller: a task handed over
	// while the poll ended is in the channel now.
	select {
	case t := <-p.ch:
		if ctx.Err() != nil {
			s.requeue(a, t.token)
			return &getActivityTaskOutput{}, s.saveLocked()
		}
		return &getActivityTaskOutput{TaskToken: t.token, Input: t.input}, nil
	default:
		return &getActivityTaskOutput{}, nil
	}
}

// takeOrPark, under mu, answers a queued task or parks a poller on the
// activity, armed to expire after MaxPollWait (from the parking on). p is nil
// when the call is answered at once.
func (s *Server) takeOrPark(in *getActivityTaskInput) (a *activity, p *poller, timer Timer, out *getActivityTaskOutput, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, aerr := s.lookupActivity(in.ActivityArn)
	if aerr != nil {
		return nil, nil, nil, nil, aerr
	}
	if t, ok := s.dequeue(a, in.WorkerName); ok {
		return a, nil, nil, &getActivityTaskOutput{TaskToken: t.token, Input: t.input}, s.saveLocked()
	}
	if s.closed {
		return a, nil, nil, &getActivityTaskOutput{}, nil
	}
	p = &poller{worker: in.WorkerName, ch: make(chan polledTask, 1), expired: make(chan struct{})}
	a.pollers = append(a.pollers, p)
	timer = s.clock.AfterFunc(s.opts.MaxPollWait, func() { s.expirePoll(a, p) })
	return a, p, timer, nil, nil
}

func (s *Server) expirePoll(a *activity, p *poller) {
	defer s.recoverTimer("poll")
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.removePoller(p) {
		close(p.expired)
	}
}

// enqueueTask hands a new task to the oldest waiting poller, or queues it.
func (s *Server) enqueueTask(a *activity, token string) {
	a.queue = append(a.queue, token)
	for len(a.pollers) > 0 {
		p := a.pollers[0]
		t, ok := s.dequeue(a, p.worker)
		if !ok {
			return
		}
		a.pollers = a.pollers[1:]
		p.ch <- t
	}
}

// dequeue delivers the oldest queued task that is still outstanding.
func (s *Server) dequeue(a *activity, worker string) (polledTask, bool) {
	for len(a.queue) > 0 {
		token := a.queue[0]
		a.queue = a.queue[1:]
		rec := s.tokens[token]
		if rec == nil || !rec.Open {
			continue
		}
		e := s.executions[rec.ExecutionARN]
		if e.historyFull() {
			// ActivityStarted would be event 25,000: the execution fails.
			s.failHistoryFull(e)
			s.store.mark(kindExecution, e.ARN)
			continue
		}
		th := e.threads[rec.Thread]
		th.Task.Delivered = true
		s.store.mark(kindExecution, e.ARN)
		e.record(th, s.clock.Now(), "ActivityStarted", activityStartedDetails{WorkerName: worker})
		return polledTask{token: token, input: th.Task.Input}, true
	}
	return polledTask{}, false
}

// requeue puts back a task whose poller went away before receiving it.
func (s *Server) requeue(a *activity, token string) {
	rec := s.tokens[token]
	if rec == nil || !rec.Open {
		return
	}
	th := s.executions[rec.ExecutionARN].threads[rec.Thread]
	th.Task.Delivered = false
	s.store.mark(kindExecution, rec.ExecutionARN)
	a.queue = slices.Insert(a.queue, 0, token)
}
