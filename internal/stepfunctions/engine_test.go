package stepfunctions

import (
	"bytes"
	"testing"
)

// startRun starts an approval run of the local machine through the Engine.
func (l *local) startRun(t *testing.T, e Engine, name, input string) Started {
	t.Helper()
	started, err := e.StartApproval(t.Context(), ApprovalRun{StateMachineARN: l.machine, Name: name, Input: []byte(input)})
	if err != nil {
		t.Fatalf("StartApproval %s: %v", name, err)
	}
	return started
}

// describe reads an execution through the Engine.
func describe(t *testing.T, e Engine, arn string) Execution {
	t.Helper()
	exec, err := e.Describe(t.Context(), arn)
	if err != nil {
		t.Fatalf("Describe %s: %v", arn, err)
	}
	return exec
}

func TestEngineStartIsIdempotentAndDescribes(t *testing.T) {
	l := newLocal(t)
	e := NewEngine(l.api)
	started := l.startRun(t, e, "gate-1", `{"n":1}`)
	if started.ExecutionARN == "" || !started.StartedAt.Equal(l.clock.Now()) {
		t.Fatalf("started = %+v, want an ARN and the endpoint's clock %s", started, l.clock.Now())
	}
	if again := l.startRun(t, e, "gate-1", `{"n":1}`); again.ExecutionARN != started.ExecutionARN {
		t.Errorf("a repeated start answered %s, want the running execution %s", again.ExecutionARN, started.ExecutionARN)
	}
	_, err := e.StartApproval(t.Context(), ApprovalRun{StateMachineARN: l.machine, Name: "gate-1", Input: []byte(`{"n":2}`)})
	if Classify(err) != Exists {
		t.Errorf("a start under a running execution's name with another input: %v (%s), want Exists", err, Classify(err))
	}

	exec := describe(t, e, started.ExecutionARN)
	if exec.Status != ExecutionRunning || string(exec.Input) != `{"n":1}` || !exec.StoppedAt.IsZero() || exec.Error != "" {
		t.Errorf("Describe of a running execution = %+v", exec)
	}
	_, err = e.Describe(t.Context(), started.ExecutionARN+"-none")
	if Classify(err) != Gone {
		t.Errorf("Describe of an execution that does not exist: %v (%s), want Gone", err, Classify(err))
	}
}

func TestEngineAnswers(t *testing.T) {
	cases := []struct {
		name         string
		answer       Answer
		status       ExecutionStatus
		error, cause string
	}{
		{"success", Succeed(`{"decision":"approve"}`), ExecutionSucceeded, "", ""},
		{"acknowledge", Acknowledge(), ExecutionSucceeded, "", ""},
		{"failure", Fail("tollgate.Rejected", `{"decision":"reject"}`), ExecutionFailed, "tollgate.Rejected", `{"decision":"reject"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := newLocal(t)
			e := NewEngine(l.api)
			started := l.startRun(t, e, c.name, "{}")
			token := l.pollTask(t)
			if err := e.Answer(t.Context(), token, c.answer); err != nil {
				t.Fatalf("Answer: %v", err)
			}
			exec := describe(t, e, started.ExecutionARN)
			if exec.Status != c.status || exec.Error != c.error || exec.Cause != c.cause || exec.StoppedAt.IsZero() {
				t.Errorf("after the answer: %+v, want %s with error %q and cause %q, stopped", exec, c.status, c.error, c.cause)
			}
			// The task is closed: a second answer changes nothing and says so.
			if err := e.Answer(t.Context(), token, Fail("late", "late")); Classify(err) != Gone {
				t.Errorf("an answer on a closed task: %v (%s), want Gone", err, Classify(err))
			}
			if again := describe(t, e, started.ExecutionARN); again.Status != c.status || again.Error != c.error {
				t.Errorf("a second answer changed the execution: %+v", again)
			}
		})
	}
}

func TestEngineStop(t *testing.T) {
	l := newLocal(t)
	e := NewEngine(l.api)
	started := l.startRun(t, e, "stopped", "{}")
	if err := e.Stop(t.Context(), started.ExecutionARN, "tollgate.Stopped", "the ApprovalRequest was deleted"); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if exec := describe(t, e, started.ExecutionARN); exec.Status != ExecutionAborted || exec.StoppedAt.IsZero() {
		t.Errorf("after Stop: %+v, want ABORTED and stopped", exec)
	}
	if err := e.Stop(t.Context(), started.ExecutionARN+"-none", "tollgate.Stopped", "gone"); Classify(err) != Gone {
		t.Errorf("Stop of an execution that does not exist: %v (%s), want Gone", err, Classify(err))
	}
}

func TestEngineTaskScheduled(t *testing.T) {
	l := newLocal(t)
	e := NewEngine(l.api)
	started := l.startRun(t, e, "history", `{"report":"Approved"}`)
	cases := []struct {
		name string
		arn  string
		want string
		ok   bool
	}{
		{"its task", started.ExecutionARN, "Approved", true},
		{"no such task", started.ExecutionARN, "Failed", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := e.TaskScheduled(t.Context(), c.arn, func(input []byte) bool { return bytes.Contains(input, []byte(c.want)) })
			if err != nil || got != c.ok {
				t.Errorf("TaskScheduled(%q) = %v, %v; want %v", c.want, got, err, c.ok)
			}
		})
	}
	_, err := e.TaskScheduled(t.Context(), started.ExecutionARN+"-none", func([]byte) bool { return true })
	if Classify(err) != Gone {
		t.Errorf("the history of an execution that does not exist: %v (%s), want Gone", err, Classify(err))
	}
}
