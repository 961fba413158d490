package sfnlocal

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FaultKind is a way Step Functions (or the network in front of it) can fail a call.
type FaultKind string

// The faults the endpoint can inject, per operation.
const (
	// FaultError answers the rule's Code (and Status, default 400): AccessDeniedException,
	// ExpiredTokenException, ...
	FaultError FaultKind = "error"
	// FaultThrottle answers ThrottlingException (HTTP 400), as AWS does past a quota.
	FaultThrottle FaultKind = "throttle"
	// FaultInternal answers HTTP 500 InternalFailure.
	FaultInternal FaultKind = "internal"
	// FaultUnavailable answers HTTP 503 ServiceUnavailable.
	FaultUnavailable FaultKind = "unavailable"
	// FaultLatency answers after Latency (the call itself succeeds).
	FaultLatency FaultKind = "latency"
	// FaultReset drops the connection before the request is processed: nothing happened.
	FaultReset FaultKind = "reset"
	// FaultLostReply processes the request — the change is made — and then drops the
	// connection: the caller cannot tell it from FaultReset, and must find out by retrying.
	FaultLostReply FaultKind = "lost-reply"
)

// FaultKinds lists every kind.
var FaultKinds = []FaultKind{FaultError, FaultThrottle, FaultInternal, FaultUnavailable, FaultLatency, FaultReset, FaultLostReply}

// FaultRule injects one kind of fault into an operation's calls.
type FaultRule struct {
	Kind FaultKind
	// Probability that a call is hit (0 or above 1: every call).
	Probability float64
	// Count bounds how many calls are hit (0: no bound) — a burst.
	Count int
	// Latency is FaultLatency's delay (default 1s).
	Latency time.Duration
	// Code and Status are FaultError's answer.
	Code   string
	Status int
}

// faultPlan holds the rules per operation and counts what fired.
type faultPlan struct {
	mu    sync.Mutex
	rules map[string][]*FaultRule
	fired map[string]int // "<op> <kind>" → calls hit
	rand  *rand.Rand
}

// InjectFault adds a rule to operation op ("*": every operation). Rules of an operation are
// tried in the order added; the first that hits decides.
func (s *Server) InjectFault(op string, rule FaultRule) {
	p := &s.plan
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.rules == nil {
		p.rules = map[string][]*FaultRule{}
	}
	r := rule
	p.rules[op] = append(p.rules[op], &r)
}

// ClearFaults removes the rules of the named operations, or every rule when none is named
// (the counts stay).
func (s *Server) ClearFaults(ops ...string) {
	p := &s.plan
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(ops) == 0 {
		p.rules = nil
	}
	for _, op := range ops {
		delete(p.rules, op)
	}
}

// FaultsFired counts the calls each rule hit, keyed "<operation> <kind>".
func (s *Server) FaultsFired() map[string]int {
	p := &s.plan
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.fired)
}

// pick returns the fault that hits a call of op, if any, and counts it.
func (p *faultPlan) pick(op string) *FaultRule {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.rand == nil {
		p.rand = rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0))
	}
	for _, r := range append(p.rules[op], p.rules["*"]...) {
		if r.Count < 0 {
			continue // an exhausted burst
		}
		if r.Probability > 0 && r.Probability <= 1 && p.rand.Float64() >= r.Probability {
			continue
		}
		if r.Count > 0 {
			if r.Count--; r.Count == 0 {
				r.Count = -1
			}
		}
		if p.fired == nil {
			p.fired = map[string]int{}
		}
		p.fired[op+" "+string(r.Kind)]++
		hit := *r
		return &hit
	}
	return nil
}

// answerFault serves a call of op that a fault rule hit.
func (s *Server) answerFault(w http.ResponseWriter, r *http.Request, op string, rule *FaultRule) {
	switch rule.Kind {
	case FaultError:
		writeAPIError(w, NewAPIError(rule.Status, rule.Code, rule.Code+" (injected)"))
	case FaultThrottle:
		writeAPIError(w, NewAPIError(http.StatusBadRequest, "ThrottlingException", "Rate exceeded"))
	case FaultInternal:
		writeAPIError(w, NewAPIError(http.StatusInternalServerError, "InternalFailure", "an internal failure (injected)"))
	case FaultUnavailable:
		writeAPIError(w, NewAPIError(http.StatusServiceUnavailable, "ServiceUnavailable", "the service is unavailable (injected)"))
	case FaultLatency:
		delay := rule.Latency
		if delay <= 0 {
			delay = time.Second
		}
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
		s.answer(w, r, op)
	case FaultReset:
		dropConnection(w)
	case FaultLostReply:
		s.answer(discard{header: http.Header{}}, r, op)
		dropConnection(w)
	default:
		s.answer(w, r, op)
	}
}

// dropConnection closes the client's connection without an answer.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close() // the point is to drop it; a close error changes nothing
			return
		}
	}
	panic(http.ErrAbortHandler) // net/http drops the connection of a handler that aborts
}

// discard is a ResponseWriter whose answer nobody receives.
type discard struct{ header http.Header }

func (d discard) Header() http.Header         { return d.header }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}

// ParseFault reads a fault rule as written on cmd/sfnlocal's command line:
// OPERATION=KIND[:PROBABILITY][:xCOUNT][:LATENCY][:CODE], e.g. "SendTaskSuccess=lost-reply:0.2",
// "GetActivityTask=latency:0.5:2s", "*=throttle:x50" (a burst of 50),
// "DescribeExecution=error:AccessDeniedException".
func ParseFault(spec string) (string, FaultRule, error) {
	op, rest, ok := strings.Cut(spec, "=")
	if !ok || op == "" {
		return "", FaultRule{}, fmt.Errorf("fault %q: want OPERATION=KIND[:PROBABILITY][:xCOUNT][:LATENCY]", spec)
	}
	parts := strings.Split(rest, ":")
	rule := FaultRule{Kind: FaultKind(parts[0])}
	if !knownKind(rule.Kind) {
		return "", FaultRule{}, fmt.Errorf("fault %q: unknown kind %q (one of %s)", spec, parts[0], kindList())
	}
	for _, p := range parts[1:] {
		if n, found := strings.CutPrefix(p, "x"); found {
			c, err := strconv.Atoi(n)
			if err != nil || c <= 0 {
				return "", FaultRule{}, fmt.Errorf("fault %q: count %q is not a positive number", spec, p)
			}
			rule.Count = c
			continue
		}
		if d, err := time.ParseDuration(p); err == nil && strings.ContainsAny(p, "smh") {
			rule.Latency = d
			continue
		}
		if f, err := strconv.ParseFloat(p, 64); err == nil {
			if f <= 0 || f > 1 {
				return "", FaultRule{}, fmt.Errorf("fault %q: probability %q is not in (0, 1]", spec, p)
			}
			rule.Probability = f
			continue
		}
		if rule.Kind != FaultError || rule.Code != "" {
			return "", FaultRule{}, fmt.Errorf("fault %q: %q is neither a probability, a count xN nor a duration", spec, p)
		}
		rule.Code = p
	}
	if rule.Kind == FaultError && rule.Code == "" {
		return "", FaultRule{}, fmt.Errorf("fault %q: an error fault names its code, e.g. error:AccessDeniedException", spec)
	}
	return op, rule, nil
}

func knownKind(k FaultKind) bool { return slices.Contains(FaultKinds, k) }

func kindList() string {
	names := make([]string, 0, len(FaultKinds))
	for _, k := range FaultKinds {
		names = append(names, string(k))
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}
