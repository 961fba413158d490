package approvalmachine

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/approval"
)

// A structural checker for Amazon States Language: what asl-validator's schema does not see
// (reachability, scopes, the contract's error names, the resources tollgate allows).

type aslMachine struct {
	StartAt string              `json:"StartAt"`
	States  map[string]aslState `json:"States"`
}

type aslState struct {
	Type          string         `json:"Type"`
	Next          string         `json:"Next"`
	End           bool           `json:"End"`
	Default       string         `json:"Default"`
	Resource      string         `json:"Resource"`
	Error         string         `json:"Error"`
	Choices       []aslRule      `json:"Choices"`
	Catch         []aslCatcher   `json:"Catch"`
	Retry         []aslCatcher   `json:"Retry"`
	Branches      []aslMachine   `json:"Branches"`
	ItemProcessor *aslMachine    `json:"ItemProcessor"`
	Parameters    map[string]any `json:"Parameters"`
	// Task timers: a number, or a path read from the input when the task starts.
	TimeoutSeconds       float64 `json:"TimeoutSeconds"`
	TimeoutSecondsPath   string  `json:"TimeoutSecondsPath"`
	HeartbeatSeconds     float64 `json:"HeartbeatSeconds"`
	HeartbeatSecondsPath string  `json:"HeartbeatSecondsPath"`
}

type aslRule struct {
	Next string `json:"Next"`
}

type aslCatcher struct {
	ErrorEquals []string `json:"ErrorEquals"`
	Next        string   `json:"Next"`
}

// executionField is the activity task input's field naming the task's execution (contract:
// "Activity task input").
const executionField = "executionArn"

// allowedResources are the Task resources tollgate's machines may use: the approval
// activity (a placeholder until deployed) and the notification's SNS integration.
var allowedResources = []string{"${" + ActivityArnPlaceholder + "}", "arn:aws:states:::sns:publish"}

// contractErrors are the error names of docs/stepfunctions-contract.md; builtinErrors the
// States.* names a tollgate machine may match.
var (
	contractErrors = []string{approval.ErrorRejected, approval.ErrorExpired, approval.ErrorQuorumReached, approval.ErrorInconclusive}
	builtinErrors  = []string{"States.ALL", "States.HeartbeatTimeout", "States.Timeout", "States.TaskFailed"}
)

// checkDefinition returns every structural problem of an ASL definition.
func checkDefinition(definition []byte) []string {
	var m aslMachine
	if err := json.Unmarshal(definition, &m); err != nil {
		return []string{"not a state machine: " + err.Error()}
	}
	c := &checker{names: map[string]bool{}}
	c.scope("machine", m)
	return c.problems
}

type checker struct {
	names    map[string]bool // state names are unique across the whole machine
	problems []string
}

func (c *checker) fail(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

// scope checks one States object: the machine, a Parallel branch or a Map processor.
func (c *checker) scope(where string, m aslMachine) {
	if _, ok := m.States[m.StartAt]; !ok {
		c.fail("%s: StartAt %q is not a state of this scope", where, m.StartAt)
	}
	for name, s := range m.States {
		if c.names[name] {
			c.fail("%s: state name %q is used twice in the machine", where, name)
		}
		c.names[name] = true
		for _, next := range s.transitions() {
			if _, ok := m.States[next]; !ok {
				c.fail("%s: state %q goes to %q, not a state of this scope", where, name, next)
			}
		}
		c.state(where+"/"+name, s)
	}
	reached := reachable(m)
	for name := range m.States {
		if !reached[name] {
			c.fail("%s: state %q is unreachable", where, name)
		}
	}
}

func (c *checker) state(where string, s aslState) {
	terminal := s.Type == "Succeed" || s.Type == "Fail"
	switch {
	case terminal && (s.Next != "" || s.End):
		c.fail("%s: a %s state has no Next or End", where, s.Type)
	case s.Type == "Choice" && (s.Next != "" || s.End || len(s.Choices) == 0):
		c.fail("%s: a Choice has Choices and no Next or End", where)
	case !terminal && s.Type != "Choice" && (s.Next == "") == !s.End:
		c.fail("%s: a %s state needs exactly one of Next and End", where, s.Type)
	}
	if s.Type == "Task" && !slices.Contains(allowedResources, s.Resource) {
		c.fail("%s: Task resource %q is neither the activity placeholder nor a known integration", where, s.Resource)
	}
	if s.Type == "Task" && s.Resource == allowedResources[0] && s.Parameters[executionField+".$"] != "$$.Execution.Id" {
		c.fail("%s: an activity task's Parameters must carry %q from $$.Execution.Id: the operator acts only on tasks of the request's own execution", where, executionField)
	}
	c.timers(where, s)
	if s.Type == "Fail" && s.Error != "" && !slices.Contains(contractErrors, s.Error) {
		c.fail("%s: Fail error %q is not a contract error", where, s.Error)
	}
	for _, h := range append(slices.Clone(s.Catch), s.Retry...) {
		for _, e := range h.ErrorEquals {
			if !slices.Contains(contractErrors, e) && !slices.Contains(builtinErrors, e) {
				c.fail("%s: ErrorEquals %q is neither a contract error nor a known States.* error", where, e)
			}
		}
	}
	for i, b := range s.Branches {
		c.scope(fmt.Sprintf("%s/branch[%d]", where, i), b)
	}
	switch {
	case s.ItemProcessor != nil:
		c.scope(where+"/ItemProcessor", *s.ItemProcessor)
	case s.Type == "Map":
		c.fail("%s: a Map without ItemProcessor", where)
	}
	if s.Type == "Parallel" && len(s.Branches) == 0 {
		c.fail("%s: a Parallel without Branches", where)
	}
}

// timers checks a Task's heartbeat against its timeout. The States Language: "If provided, the
// HeartbeatSeconds interval MUST be smaller than the TimeoutSeconds value" — else the task
// times out (States.Timeout) before its heartbeat can, and a Retry on States.HeartbeatTimeout
// never re-issues it. A heartbeat read from the input cannot be checked here, so a task with a
// timeout takes a fixed heartbeat.
func (c *checker) timers(where string, s aslState) {
	hasTimeout := s.TimeoutSeconds > 0 || s.TimeoutSecondsPath != ""
	switch {
	case hasTimeout && s.HeartbeatSecondsPath != "":
		c.fail("%s: a heartbeat from the input (%s) may reach the task's timeout: give a task with a timeout a fixed HeartbeatSeconds below it", where, s.HeartbeatSecondsPath)
	case s.TimeoutSeconds > 0 && s.HeartbeatSeconds >= s.TimeoutSeconds:
		c.fail("%s: HeartbeatSeconds %v is not below TimeoutSeconds %v", where, s.HeartbeatSeconds, s.TimeoutSeconds)
	}
}

// transitions are the states a state may go to within its scope.
func (s aslState) transitions() []string {
	var out []string
	for _, n := range []string{s.Next, s.Default} {
		if n != "" {
			out = append(out, n)
		}
	}
	for _, r := range s.Choices {
		out = append(out, r.Next)
	}
	for _, h := range s.Catch {
		out = append(out, h.Next)
	}
	return out
}

func reachable(m aslMachine) map[string]bool {
	seen := map[string]bool{}
	var visit func(string)
	visit = func(name string) {
		s, ok := m.States[name]
		if !ok || seen[name] {
			return
		}
		seen[name] = true
		for _, next := range s.transitions() {
			visit(next)
		}
	}
	visit(m.StartAt)
	return seen
}

// problemsMatching keeps the problems that contain substr.
func problemsMatching(problems []string, substr string) []string {
	var out []string
	for _, p := range problems {
		if strings.Contains(p, substr) {
			out = append(out, p)
		}
	}
	return out
}
