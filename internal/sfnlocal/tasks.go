package sfnlocal

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
)

const (
	// maxTokenLength is the model's limit on a taskToken (API reference,
	// SendTaskSuccess: 1 to 2,048 characters); sfnlocal's own tokens are 128.
	maxTokenLength = 2048
	maxErrorLength = 256
	maxCauseLength = 32768
)

// tokenRecord remembers every task token ever issued, so a token whose task
// ended answers TaskTimedOut while an unknown one answers InvalidToken.
type tokenRecord struct {
	ExecutionARN string
	Thread       int
	Open         bool
}

func newTaskToken() (string, error) {
	b := make([]byte, 96)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate task token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// openTask resolves a token of an outstanding task.
func (s *Server) openTask(token string) (*execution, *thread, *state, *APIError) {
	if err := checkLength("taskToken", token, 1, maxTokenLength); err != nil {
		return nil, nil, nil, err
	}
	rec := s.tokens[token]
	if rec == nil {
		return nil, nil, nil, errInvalidToken()
	}
	if !rec.Open {
		return nil, nil, nil, errTaskTimedOut()
	}
	e := s.executions[rec.ExecutionARN]
	th := e.threads[rec.Thread]
	return e, th, th.machine.States[th.State], nil
}

type sendTaskSuccessInput struct {
	TaskToken string `json:"taskToken"`
	Output    string `json:"output"`
}

func (s *Server) sendTaskSuccess(_ context.Context, in *sendTaskSuccessInput) (any, error) {
	if len(in.Output) > maxPayloadBytes {
		return nil, errValidation("1 validation error detected: Value at 'output' failed to satisfy constraint: Member must have length less than or equal to %d", maxPayloadBytes)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, th, st, err := s.openTask(in.TaskToken)
	if err != nil {
		return nil, err
	}
	result, perr := parsePayload(in.Output)
	if perr != nil {
		return nil, clientErr("InvalidOutput", "Invalid Output: '%v'", perr)
	}
	s.taskSucceeded(e, th, st, result)
	s.drive(e)
	return struct{}{}, s.saveLocked()
}

type sendTaskFailureInput struct {
	TaskToken string `json:"taskToken"`
	Error     string `json:"error"`
	Cause     string `json:"cause"`
}

func (s *Server) sendTaskFailure(_ context.Context, in *sendTaskFailureInput) (any, error) {
	if len(in.Error) > maxErrorLength {
		return nil, errValidation("1 validation error detected: Value at 'error' failed to satisfy constraint: Member must have length less than or equal to %d", maxErrorLength)
	}
	if len(in.Cause) > maxCauseLength {
		return nil, errValidation("1 validation error detected: Value at 'cause' failed to satisfy constraint: Member must have length less than or equal to %d", maxCauseLength)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, th, st, err := s.openTask(in.TaskToken)
	if err != nil {
		return nil, err
	}
	s.taskFailed(e, th, st, in.Error, in.Cause)
	s.drive(e)
	return struct{}{}, s.saveLocked()
}

type sendTaskHeartbeatInput struct {
	TaskToken string `json:"taskToken"`
}

func (s *Server) sendTaskHeartbeat(_ context.Context, in *sendTaskHeartbeatInput) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, th, _, err := s.openTask(in.TaskToken)
	if err != nil {
		return nil, err
	}
	if t := th.Task; t.HeartbeatSeconds > 0 {
		// The armed timer re-arms itself for the new deadline when it fires.
		t.HeartbeatAt = s.clock.Now().Add(secondsDuration(t.HeartbeatSeconds))
		s.store.mark(kindExecution, e.ARN)
	}
	return struct{}{}, s.saveLocked()
}
