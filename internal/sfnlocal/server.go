// Package sfnlocal is a local AWS Step Functions endpoint: it speaks the
// awsJson1.0 protocol of the real service, so any AWS SDK client pointed at it
// (BaseEndpoint) sees what AWS would answer, typed errors and history included.
package sfnlocal

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	contentType = "application/x-amz-json-1.0"
	// headerContentType and headerDate are HTTP header names, on the API's
	// answers, the sinks' messages and the sns:publish result's metadata.
	headerContentType = "Content-Type"
	headerDate        = "Date"
	targetPrefix      = "AWSStepFunctions."
	// maxRequestBytes bounds a request body: payloads are limited to 256 KiB,
	// the rest of a request is small.
	maxRequestBytes = 2 << 20
)

// Options configures a Server. The zero value is usable.
type Options struct {
	Region    string // default us-east-1
	AccountID string // default 123456789012
	Clock     Clock  // default RealClock
	// StateFile, when set, is the journal where every change is saved
	// before it is answered, and which New reloads (store.go).
	StateFile string
	// MaxPollWait bounds a GetActivityTask long poll (default and maximum 60s).
	MaxPollWait time.Duration
	Logger      *slog.Logger // default discards
	// SNSSink receives the messages of sns:publish tasks (ParseSNSSink
	// builds one from its command-line form). nil: no topic exists, and a
	// publish fails with SNS.NotFoundException as on AWS (engine_publish.go).
	SNSSink SNSSink
}

// Server is the endpoint. All its state is guarded by mu; the execution
// engine runs under mu when an API call or a timer moves an execution.
type Server struct {
	opts  Options
	clock Clock
	log   *slog.Logger

	mu         sync.Mutex
	closed     bool
	activities map[string]*activity     // by ARN
	machines   map[string]*stateMachine // by ARN
	executions map[string]*execution    // by ARN
	tokens     map[string]*tokenRecord  // every task token ever issued
	execSeq    int64
	// store saves the state in Options.StateFile; nil: in memory only.
	store *store
	// plan holds the injected faults (faults.go); it has a lock of its own.
	plan faultPlan
	// panics counts the defects recovered in handlers and timers (recover.go).
	panics atomic.Int64
	// deliveries are the sns:publish deliveries under way, each in its own
	// goroutine (engine_publish.go); Close cancels deliveryCtx and waits.
	deliveries   sync.WaitGroup
	deliveryCtx  context.Context
	stopDelivery context.CancelFunc
	snsSeq       uint64 // the last FIFO sequence number (sns.go)
}

// New builds a Server, reloading Options.StateFile when it exists.
func New(opts Options) (*Server, error) {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.AccountID == "" {
		opts.AccountID = "123456789012"
	}
	if opts.Clock == nil {
		opts.Clock = RealClock{}
	}
	if opts.MaxPollWait <= 0 || opts.MaxPollWait > 60*time.Second {
		opts.MaxPollWait = 60 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		opts:       opts,
		clock:      opts.Clock,
		log:        opts.Logger,
		activities: map[string]*activity{},
		machines:   map[string]*stateMachine{},
		executions: map[string]*execution{},
		tokens:     map[string]*tokenRecord{},
	}
	s.deliveryCtx, s.stopDelivery = context.WithCancel(context.Background())
	if err := s.load(); err != nil {
		return nil, errors.Join(fmt.Errorf("sfnlocal: load %s: %w", opts.StateFile, err), s.store.close())
	}
	s.resumeDeliveries()
	return s, nil
}

// Close stops every timer, releases long polls, saves the state, then
// cancels the sns:publish deliveries under way and waits for them (their
// tasks stay scheduled in the state file: a restart delivers them again).
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for _, a := range s.activities {
		a.releasePollers()
	}
	for _, e := range s.executions {
		e.stopTimers()
	}
	err := errors.Join(s.saveLocked(), s.store.close())
	s.stopDelivery()
	s.mu.Unlock()
	s.deliveries.Wait() // outside mu: a delivery ends by taking it
	return err
}

type handler func(s *Server, ctx context.Context, body []byte) (any, error)

// bind turns a typed operation into a handler decoding its JSON input.
func bind[In any](fn func(s *Server, ctx context.Context, in *In) (any, error)) handler {
	return func(s *Server, ctx context.Context, body []byte) (any, error) {
		in := new(In)
		if len(body) > 0 {
			if err := json.Unmarshal(body, in); err != nil {
				return nil, clientErr("SerializationException", "Start of structure or map found where not expected: %v", err)
			}
		}
		return fn(s, ctx, in)
	}
}

var operations = map[string]handler{
	"CreateActivity":       bind((*Server).createActivity),
	"DescribeActivity":     bind((*Server).describeActivity),
	"ListActivities":       bind((*Server).listActivities),
	"DeleteActivity":       bind((*Server).deleteActivity),
	"GetActivityTask":      bind((*Server).getActivityTask),
	"CreateStateMachine":   bind((*Server).createStateMachine),
	"DescribeStateMachine": bind((*Server).describeStateMachine),
	"ListStateMachines":    bind((*Server).listStateMachines),
	"UpdateStateMachine":   bind((*Server).updateStateMachine),
	"DeleteStateMachine":   bind((*Server).deleteStateMachine),
	"StartExecution":       bind((*Server).startExecution),
	"DescribeExecution":    bind((*Server).describeExecution),
	"StopExecution":        bind((*Server).stopExecution),
	"ListExecutions":       bind((*Server).listExecutions),
	"GetExecutionHistory":  bind((*Server).getExecutionHistory),
	"SendTaskSuccess":      bind((*Server).sendTaskSuccess),
	"SendTaskFailure":      bind((*Server).sendTaskFailure),
	"SendTaskHeartbeat":    bind((*Server).sendTaskHeartbeat),
}

// ServeHTTP answers one awsJson1.0 request. Like AWS, every answer (errors included) carries a
// request ID of its own in x-amzn-RequestId, which the SDK puts into its errors' text.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Amzn-RequestId", newRequestID())
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	defer s.recoverRequest(w, op)
	if rule := s.plan.pick(op); rule != nil {
		s.answerFault(w, r, op, rule)
		return
	}
	s.answer(w, r, op)
}

// answer serves a request and writes its answer.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, op string) {
	start := time.Now()
	out, err := s.serve(r, op)
	var apiErr *APIError
	if err != nil && !errors.As(err, &apiErr) {
		s.log.Error("sfnlocal: internal error", "op", op, "err", err)
		apiErr = errInternalFailure()
	}
	if apiErr != nil {
		s.log.Debug("sfnlocal request", "op", op, "status", apiErr.Status, "error", apiErr.Code, "elapsed", time.Since(start))
		writeAPIError(w, apiErr)
		return
	}
	body, err := json.Marshal(out)
	if err != nil {
		s.log.Error("sfnlocal: encode response", "op", op, "err", err)
		writeAPIError(w, errInternalFailure())
		return
	}
	s.log.Debug("sfnlocal request", "op", op, "status", http.StatusOK, "elapsed", time.Since(start))
	w.Header().Set(headerContentType, contentType)
	_, _ = w.Write(body)
}

func (s *Server) serve(r *http.Request, op string) (any, error) {
	if r.Method != http.MethodPost {
		return nil, NewAPIError(http.StatusMethodNotAllowed, "UnknownOperationException", "only POST is supported")
	}
	h, ok := operations[op]
	if !ok {
		return nil, clientErr("UnknownOperationException", "unknown operation %q", r.Header.Get("X-Amz-Target"))
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBytes))
	if err != nil {
		return nil, fmt.Errorf("read %s request: %w", op, err)
	}
	return h(s, r.Context(), body)
}

// newRequestID is a random UUID (version 4), the form of AWS's request IDs.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
