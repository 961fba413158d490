package sfnlocal

import (
	"cmp"
	"context"
	"crypto/rand"
	"fmt"
	"slices"

	"github.com/tollgate-dev/tollgate/internal/sfnlocal/asl"
)

type startExecutionInput struct {
	StateMachineArn string  `json:"stateMachineArn"`
	Name            *string `json:"name"` // nil: a generated name; "" is too short
	Input           *string `json:"input"`
}

type startExecutionOutput struct {
	ExecutionArn string    `json:"executionArn"`
	StartDate    epochTime `json:"startDate"`
}

func newExecutionName() string {
	return rand.Text()
}

func (s *Server) startExecution(_ context.Context, in *startExecutionInput) (any, error) {
	smNames, aerr := parseARN(in.StateMachineArn, resStateMachine)
	if aerr != nil {
		return nil, aerr
	}
	name := newExecutionName()
	if in.Name != nil {
		name = *in.Name
	}
	if err := validName(name); err != nil {
		return nil, err
	}
	inputText := "{}"
	if in.Input != nil {
		inputText = *in.Input
	}
	if len(inputText) > maxPayloadBytes {
		return nil, errValidation("1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to %d", maxPayloadBytes)
	}
	input, err := parsePayload(inputText)
	if err != nil {
		return nil, clientErr("InvalidExecutionInput", "Invalid State Machine Execution Input: '%v'", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sm, aerr := s.lookupActiveStateMachine(in.StateMachineArn)
	if aerr != nil {
		return nil, aerr
	}
	arn := s.arn(resExecution, smNames[0], name)
	if old := s.executions[arn]; old != nil {
		// Idempotent while running with the same input; a closed
		// execution's name cannot be reused.
		if old.Status == statusRunning && old.InputText == inputText {
			return &startExecutionOutput{ExecutionArn: arn, StartDate: epochTime(old.StartDate)}, nil
		}
		return nil, clientErr("ExecutionAlreadyExists", "Execution Already Exists: '%s'", arn)
	}
	def, perr := parseDefinition(sm.Definition)
	if perr != nil {
		return nil, fmt.Errorf("stored definition of %s: %w", sm.ARN, perr)
	}
	e := s.newExecution(sm, def, arn, name, inputText, input)
	s.drive(e)
	return &startExecutionOutput{ExecutionArn: arn, StartDate: epochTime(e.StartDate)}, s.saveLocked()
}

func (s *Server) newExecution(sm *stateMachine, def *definition, arn, name, inputText string, input jsonValue) *execution {
	now := s.clock.Now()
	s.execSeq++
	s.store.mark(kindExecSeq, "")
	e := &execution{
		ARN: arn, Name: name, Seq: s.execSeq, MachineARN: sm.ARN, MachineName: sm.Name, RoleARN: sm.RoleARN,
		Definition: sm.Definition, InputText: inputText, Input: input, Status: statusRunning, StartDate: now,
		def: def, threads: map[int]*thread{},
	}
	s.executions[arn] = e
	e.record(nil, now, "ExecutionStarted", executionStartedDetails{Input: inputText, RoleArn: sm.RoleARN})
	e.Root = e.newThread(nil, def, 0, input.V)
	e.ready = append(e.ready, e.Root)
	if def.TimeoutSeconds != nil {
		e.Deadline = now.Add(secondsDuration(*def.TimeoutSeconds))
		s.armExecutionTimer(e)
	}
	return e
}

func (s *Server) armExecutionTimer(e *execution) {
	arn := e.ARN
	e.timer = s.clock.AfterFunc(e.Deadline.Sub(s.clock.Now()), func() { s.onExecutionTimeout(arn) })
}

// runningExecution is the execution a timer or a delivery that fires
// (under mu) is for, or nil when it has ended or the server is closed: what
// fires late must change nothing.
func (s *Server) runningExecution(arn string) *execution {
	e := s.executions[arn]
	if s.closed || e == nil || e.Status != statusRunning {
		return nil
	}
	return e
}

// onExecutionTimeout ends an execution that ran past its TimeoutSeconds.
func (s *Server) onExecutionTimeout(arn string) {
	defer s.recoverTimer("execution timeout")
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.runningExecution(arn)
	if e == nil {
		return
	}
	s.store.mark(kindExecution, arn)
	now := s.clock.Now()
	e.Status = statusTimedOut
	e.setError(asl.ErrTimeout, "")
	s.closeExecution(e, now)
	e.record(nil, now, "ExecutionTimedOut", newErrorDetails(asl.ErrTimeout, ""))
	s.persist()
}

type executionArnInput struct {
	ExecutionArn string `json:"executionArn"`
}

type includedDetails struct {
	Included bool `json:"included"`
}

type describeExecutionOutput struct {
	ExecutionArn    string           `json:"executionArn"`
	StateMachineArn string           `json:"stateMachineArn"`
	Name            string           `json:"name"`
	Status          string           `json:"status"`
	StartDate       epochTime        `json:"startDate"`
	StopDate        *epochTime       `json:"stopDate,omitempty"`
	Input           string           `json:"input"`
	InputDetails    includedDetails  `json:"inputDetails"`
	Output          *string          `json:"output,omitempty"`
	OutputDetails   *includedDetails `json:"outputDetails,omitempty"`
	Error           *string          `json:"error,omitempty"`
	Cause           *string          `json:"cause,omitempty"`
}

func (s *Server) lookupExecution(arn string) (*execution, *APIError) {
	if _, err := parseARN(arn, resExecution); err != nil {
		return nil, err
	}
	e := s.executions[arn]
	if e == nil {
		return nil, errExecutionDoesNotExist(arn)
	}
	return e, nil
}

func (s *Server) describeExecution(_ context.Context, in *executionArnInput) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.lookupExecution(in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	out := &describeExecutionOutput{
		ExecutionArn: e.ARN, StateMachineArn: e.MachineARN, Name: e.Name, Status: e.Status,
		StartDate: epochTime(e.StartDate), StopDate: ptrTime(e.StopDate),
		Input: e.InputText, InputDetails: includedDetails{Included: true},
		Output: e.OutputText, Error: e.Error, Cause: e.Cause,
	}
	if e.OutputText != nil {
		out.OutputDetails = &includedDetails{Included: true}
	}
	return out, nil
}

type stopExecutionInput struct {
	ExecutionArn string `json:"executionArn"`
	Error        string `json:"error"`
	Cause        string `json:"cause"`
}

type stopExecutionOutput struct {
	StopDate epochTime `json:"stopDate"`
}

// stopExecution aborts a running execution; its outstanding task tokens
// answer TaskTimedOut from then on.
func (s *Server) stopExecution(_ context.Context, in *stopExecutionInput) (any, error) {
	if len(in.Error) > maxErrorLength || len(in.Cause) > maxCauseLength {
		return nil, errValidation("1 validation error detected: Value at 'error' or 'cause' failed to satisfy constraint: Member must have length less than or equal to %d", maxErrorLength)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.lookupExecution(in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	if e.Status == statusRunning {
		s.store.mark(kindExecution, e.ARN)
		now := s.clock.Now()
		e.Status = statusAborted
		e.setError(in.Error, in.Cause)
		s.closeExecution(e, now)
		e.record(nil, now, "ExecutionAborted", newErrorDetails(in.Error, in.Cause))
	}
	return &stopExecutionOutput{StopDate: epochTime(e.StopDate)}, s.saveLocked()
}

type listExecutionsInput struct {
	StateMachineArn string `json:"stateMachineArn"`
	StatusFilter    string `json:"statusFilter"`
	MaxResults      int32  `json:"maxResults"`
	NextToken       string `json:"nextToken"`
}

type executionListItem struct {
	ExecutionArn    string     `json:"executionArn"`
	StateMachineArn string     `json:"stateMachineArn"`
	Name            string     `json:"name"`
	Status          string     `json:"status"`
	StartDate       epochTime  `json:"startDate"`
	StopDate        *epochTime `json:"stopDate,omitempty"`
}

type listExecutionsOutput struct {
	Executions []executionListItem `json:"executions"`
	NextToken  string              `json:"nextToken,omitempty"`
}

var executionStatuses = []string{statusSucceeded, statusTimedOut, "PENDING_REDRIVE", statusAborted, statusFailed, statusRunning}

// listExecutions lists the executions of a machine, newest first.
func (s *Server) listExecutions(_ context.Context, in *listExecutionsInput) (any, error) {
	if in.StatusFilter != "" && !slices.Contains(executionStatuses, in.StatusFilter) {
		return nil, errValidation("1 validation error detected: Value '%s' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [SUCCEEDED, TIMED_OUT, PENDING_REDRIVE, ABORTED, FAILED, RUNNING]", in.StatusFilter)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.lookupStateMachine(in.StateMachineArn); err != nil {
		return nil, err
	}
	var matched []*execution
	for _, e := range s.executions {
		if e.MachineARN == in.StateMachineArn && (in.StatusFilter == "" || e.Status == in.StatusFilter) {
			matched = append(matched, e)
		}
	}
	slices.SortFunc(matched, func(x, y *execution) int { return cmp.Compare(y.Seq, x.Seq) })
	from, to, next, err := page(len(matched), in.NextToken, in.MaxResults, maxExecutionsPageToken)
	if err != nil {
		return nil, err
	}
	out := &listExecutionsOutput{Executions: make([]executionListItem, 0, to-from), NextToken: next}
	for _, e := range matched[from:to] {
		out.Executions = append(out.Executions, executionListItem{
			ExecutionArn: e.ARN, StateMachineArn: e.MachineARN, Name: e.Name, Status: e.Status,
			StartDate: epochTime(e.StartDate), StopDate: ptrTime(e.StopDate),
		})
	}
	return out, nil
}
