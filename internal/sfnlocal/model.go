package sfnlocal

import (
	"encoding/json"
	"maps"
	"time"

	"github.com/tollgate-dev/tollgate/internal/sfnlocal/asl"
)

// Execution statuses.
const (
	statusRunning   = "RUNNING"
	statusSucceeded = "SUCCEEDED"
	statusFailed    = "FAILED"
	statusTimedOut  = "TIMED_OUT"
	statusAborted   = "ABORTED"
)

// execution is the whole, persisted state of one execution: the engine keeps
// its progress as data (a tree of threads) rather than goroutine stacks, so
// the state file can be reloaded and resumed.
type execution struct {
	ARN         string
	Name        string
	Seq         int64 // creation order
	MachineARN  string
	MachineName string
	RoleARN     string
	Definition  string
	InputText   string
	Input       jsonValue
	Status      string
	OutputText  *string
	Error       *string
	Cause       *string
	StartDate   time.Time
	StopDate    time.Time
	Deadline    time.Time // zero: no execution TimeoutSeconds
	Events      []json.RawMessage
	Root        *thread
	NextThread  int

	savedEvents int // how many of Events the state file has
	// overflow is set when an event was dropped because the history was
	// full: drive then ends the execution (causes.go).
	overflow bool
	def      *definition
	threads  map[int]*thread // by ID
	ready    []*thread       // threads about to enter their State
	timer    Timer           // execution TimeoutSeconds
}

// Thread phases: what a thread waits for.
const (
	phaseReady     = "READY"     // about to enter State
	phaseTask      = "TASK"      // an activity task is outstanding
	phasePublish   = "PUBLISH"   // an sns:publish is with the sink (Publish)
	phaseWait      = "WAIT"      // a Wait state sleeps until WakeAt
	phaseRetry     = "RETRY"     // a retrier sleeps until WakeAt
	phaseChildren  = "CHILDREN"  // a Parallel or Map state runs Children
	phaseSucceeded = "SUCCEEDED" // ended, Output is the result
	phaseFailed    = "FAILED"    // ended, Failure is the error
	phaseAborted   = "ABORTED"   // cancelled by a failed sibling or a stop
)

// thread runs one (sub-)machine: the execution itself, a Parallel branch or
// a Map iteration.
type thread struct {
	ID      int
	Index   int // branch index (Parallel) or item index (Map)
	State   string
	Input   jsonValue // raw input of State
	Entered time.Time
	// EnteredEvent is the id of State's StateEntered event, which AWS names
	// in the causes of the state's runtime errors (causes.go).
	EnteredEvent int64
	LastEvent    int64
	Phase        string
	Retries      []int64 // attempts used, per retrier of State
	RetryCount   int64
	Task         *taskAttempt
	Publish      *publishCall `json:",omitempty"`
	WakeAt       time.Time
	Children     []*thread
	Items        []jsonValue // Map: the iteration inputs
	Started      int         // Map: iterations started so far
	Concurrency  int64       // Map: MaxConcurrency, or what MaxConcurrencyPath read
	Results      []jsonValue // Parallel/Map: outputs by Index
	Output       jsonValue
	Failure      *asl.Error
	// Vars are the workflow variables this thread sees: its parent's when
	// it started, then what its states assign (variables.go).
	Vars map[string]jsonValue `json:",omitempty"`

	parent  *thread
	machine *definition
	timer   Timer
}

// taskAttempt is one scheduling of an activity task; a retry is a new
// attempt with a new token.
type taskAttempt struct {
	Token            string
	ActivityARN      string
	Input            string
	Scheduled        time.Time
	Delivered        bool
	TimeoutAt        time.Time // zero: none
	HeartbeatAt      time.Time // zero: none
	HeartbeatSeconds int64
}

func (th *thread) ended() bool {
	return th.Phase == phaseSucceeded || th.Phase == phaseFailed || th.Phase == phaseAborted
}

func (th *thread) stopTimer() {
	if th.timer != nil {
		th.timer.Stop()
		th.timer = nil
	}
}

func (e *execution) stopTimers() {
	if e.timer != nil {
		e.timer.Stop()
		e.timer = nil
	}
	for _, th := range e.threads {
		th.stopTimer()
	}
}

func (e *execution) newThread(parent *thread, machine *definition, index int, input any) *thread {
	e.NextThread++
	th := &thread{ID: e.NextThread, Index: index, State: machine.StartAt, Input: jsonValue{V: input}, Phase: phaseReady, parent: parent, machine: machine}
	if parent != nil {
		// A branch or an iteration reads the outer variables; what it
		// assigns stays its own.
		th.Vars = maps.Clone(parent.Vars)
	}
	e.threads[th.ID] = th
	return th
}
