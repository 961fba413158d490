package sfnlocal

import (
	"context"
	"slices"
	"strings"
	"time"
)

const (
	typeStandard   = "STANDARD"
	typeExpress    = "EXPRESS"
	maxDefinitionB = 1 << 20
)

type stateMachine struct {
	ARN          string
	Name         string
	Definition   string
	RoleARN      string
	Type         string
	CreationDate time.Time
	UpdateDate   time.Time
	// Status is machineDeleting from a DeleteStateMachine until the last of
	// its executions ends (statemachines_delete.go); "" is ACTIVE.
	Status string `json:",omitempty"`
}

type createStateMachineInput struct {
	Name       string `json:"name"`
	Definition string `json:"definition"`
	RoleArn    string `json:"roleArn"`
	Type       string `json:"type"`
}

type createStateMachineOutput struct {
	StateMachineArn string    `json:"stateMachineArn"`
	CreationDate    epochTime `json:"creationDate"`
}

// checkDefinition validates an ASL text as CreateStateMachine does.
func checkDefinition(def string) *APIError {
	if len(def) > maxDefinitionB {
		return errValidation("1 validation error detected: Value at 'definition' failed to satisfy constraint: Member must have length less than or equal to %d", maxDefinitionB)
	}
	if _, err := parseDefinition(def); err != nil {
		return errInvalidDefinition(err.Error())
	}
	return nil
}

func checkRoleARN(role string) *APIError {
	if !strings.HasPrefix(role, "arn:") || len(strings.Split(role, ":")) < 6 {
		return errInvalidArn(role)
	}
	return nil
}

// createStateMachine is idempotent for the same name, definition and role.
func (s *Server) createStateMachine(_ context.Context, in *createStateMachineInput) (any, error) {
	if err := validName(in.Name); err != nil {
		return nil, err
	}
	switch in.Type {
	case "":
		in.Type = typeStandard
	case typeStandard:
	case typeExpress:
		return nil, clientErr("StateMachineTypeNotSupported", "sfnlocal supports STANDARD state machines only")
	default:
		return nil, errValidation("1 validation error detected: Value '%s' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]", in.Type)
	}
	if err := checkRoleARN(in.RoleArn); err != nil {
		return nil, err
	}
	if err := checkDefinition(in.Definition); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	arn := s.arn(resStateMachine, in.Name)
	if sm := s.machines[arn]; sm != nil {
		if sm.Status == machineDeleting {
			return nil, errStateMachineDeleting()
		}
		if sm.Definition != in.Definition || sm.RoleARN != in.RoleArn || sm.Type != in.Type {
			return nil, clientErr("StateMachineAlreadyExists", "State Machine Already Exists: '%s'", arn)
		}
		return &createStateMachineOutput{StateMachineArn: arn, CreationDate: epochTime(sm.CreationDate)}, nil
	}
	sm := &stateMachine{ARN: arn, Name: in.Name, Definition: in.Definition, RoleARN: in.RoleArn, Type: in.Type, CreationDate: s.clock.Now()}
	s.machines[arn] = sm
	s.store.mark(kindMachine, arn)
	return &createStateMachineOutput{StateMachineArn: arn, CreationDate: epochTime(sm.CreationDate)}, s.saveLocked()
}

type stateMachineArnInput struct {
	StateMachineArn string `json:"stateMachineArn"`
}

type loggingConfiguration struct {
	Level                string `json:"level"`
	IncludeExecutionData bool   `json:"includeExecutionData"`
}

type describeStateMachineOutput struct {
	StateMachineArn      string               `json:"stateMachineArn"`
	Name                 string               `json:"name"`
	Status               string               `json:"status"`
	Definition           string               `json:"definition"`
	RoleArn              string               `json:"roleArn"`
	Type                 string               `json:"type"`
	CreationDate         epochTime            `json:"creationDate"`
	LoggingConfiguration loggingConfiguration `json:"loggingConfiguration"`
}

func (s *Server) lookupStateMachine(arn string) (*stateMachine, *APIError) {
	if _, err := parseARN(arn, resStateMachine); err != nil {
		return nil, err
	}
	sm := s.machines[arn]
	if sm == nil {
		return nil, errStateMachineDoesNotExist(arn)
	}
	return sm, nil
}

func (s *Server) describeStateMachine(_ context.Context, in *stateMachineArnInput) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sm, err := s.lookupStateMachine(in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	return &describeStateMachineOutput{
		StateMachineArn: sm.ARN, Name: sm.Name, Status: sm.status(), Definition: sm.Definition,
		RoleArn: sm.RoleARN, Type: sm.Type, CreationDate: epochTime(sm.CreationDate),
		LoggingConfiguration: loggingConfiguration{Level: "OFF"},
	}, nil
}

type stateMachineListItem struct {
	StateMachineArn string    `json:"stateMachineArn"`
	Name            string    `json:"name"`
	Type            string    `json:"type"`
	CreationDate    epochTime `json:"creationDate"`
}

type listStateMachinesOutput struct {
	StateMachines []stateMachineListItem `json:"stateMachines"`
	NextToken     string                 `json:"nextToken,omitempty"`
}

func (s *Server) listStateMachines(_ context.Context, in *listInput) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	all := make([]stateMachineListItem, 0, len(s.machines))
	for _, sm := range s.machines {
		all = append(all, stateMachineListItem{StateMachineArn: sm.ARN, Name: sm.Name, Type: sm.Type, CreationDate: epochTime(sm.CreationDate)})
	}
	slices.SortFunc(all, func(x, y stateMachineListItem) int { return strings.Compare(x.Name, y.Name) })
	from, to, next, err := page(len(all), in.NextToken, in.MaxResults, maxPageToken)
	if err != nil {
		return nil, err
	}
	return &listStateMachinesOutput{StateMachines: all[from:to], NextToken: next}, nil
}

type updateStateMachineInput struct {
	StateMachineArn string  `json:"stateMachineArn"`
	Definition      *string `json:"definition"`
	RoleArn         *string `json:"roleArn"`
}

type updateStateMachineOutput struct {
	UpdateDate epochTime `json:"updateDate"`
}

// updateStateMachine changes the definition and/or role; running executions
// keep the definition they started with.
func (s *Server) updateStateMachine(_ context.Context, in *updateStateMachineInput) (any, error) {
	if in.Definition == nil && in.RoleArn == nil {
		return nil, clientErr("MissingRequiredParameter", "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified")
	}
	if in.Definition != nil {
		if err := checkDefinition(*in.Definition); err != nil {
			return nil, err
		}
	}
	if in.RoleArn != nil {
		if err := checkRoleARN(*in.RoleArn); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sm, err := s.lookupActiveStateMachine(in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	if in.Definition != nil {
		sm.Definition = *in.Definition
	}
	if in.RoleArn != nil {
		sm.RoleARN = *in.RoleArn
	}
	sm.UpdateDate = s.clock.Now()
	s.store.mark(kindMachine, sm.ARN)
	return &updateStateMachineOutput{UpdateDate: epochTime(sm.UpdateDate)}, s.saveLocked()
}
