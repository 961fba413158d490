package sfnlocal

import "context"

// Statuses of a state machine (DescribeStateMachine).
const (
	machineActive   = "ACTIVE"
	machineDeleting = "DELETING"
)

func (sm *stateMachine) status() string {
	if sm.Status == "" {
		return machineActive
	}
	return sm.Status
}

// lookupActiveStateMachine finds a machine that can take a change or an
// execution: one being deleted answers StateMachineDeleting.
func (s *Server) lookupActiveStateMachine(arn string) (*stateMachine, *APIError) {
	sm, err := s.lookupStateMachine(arn)
	if err != nil {
		return nil, err
	}
	if sm.Status == machineDeleting {
		return nil, errStateMachineDeleting()
	}
	return sm, nil
}

// deleteStateMachine deletes a machine as AWS does, asynchronously: "It sets
// the state machine's status to DELETING and begins the deletion process. A
// state machine is deleted only when all its executions are completed." (API
// reference, DeleteStateMachine). Its executions run on and stay
// describable; an unknown machine is no error.
func (s *Server) deleteStateMachine(_ context.Context, in *stateMachineArnInput) (any, error) {
	if _, err := parseARN(in.StateMachineArn, resStateMachine); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if sm := s.machines[in.StateMachineArn]; sm != nil {
		sm.Status = machineDeleting
		s.store.mark(kindMachine, sm.ARN)
		s.finishDeletion(sm.ARN)
	}
	return struct{}{}, s.saveLocked()
}

// finishDeletion removes a machine being deleted once none of its
// executions runs; every execution that ends calls it.
func (s *Server) finishDeletion(machineARN string) {
	sm := s.machines[machineARN]
	if sm == nil || sm.Status != machineDeleting {
		return
	}
	for _, e := range s.executions {
		if e.MachineARN == machineARN && e.Status == statusRunning {
			return
		}
	}
	delete(s.machines, machineARN)
	s.store.mark(kindMachine, machineARN)
}
