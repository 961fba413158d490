package main

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"strings"
	"sync"
	"time"
)

// probe sees every call the operator makes to the local Step Functions endpoint, as AWS's
// CloudTrail would: how many of each operation, which task token each SendTask* was for and
// when the endpoint applied it, and how many times each execution name was started.
type probe struct {
	mu      sync.Mutex
	calls   map[string]int
	sent    map[string][]time.Time // task token → when each SendTaskSuccess/Failure was applied
	started map[string]int         // execution name → StartExecution calls that succeeded
	beats   map[string]int         // task token → SendTaskHeartbeat calls
	reads   map[string]int         // execution ARN → DescribeExecution calls
	waiters map[string][]chan time.Time
}

func newProbe() *probe {
	return &probe{
		calls: map[string]int{}, sent: map[string][]time.Time{}, started: map[string]int{},
		beats: map[string]int{}, reads: map[string]int{}, waiters: map[string][]chan time.Time{},
	}
}

// statusWriter keeps the status code the endpoint answered.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

func (p *probe) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := r.Header.Get("X-Amz-Target")
		op = op[strings.LastIndexByte(op, '.')+1:]
		body, _ := io.ReadAll(r.Body) // a short read is the endpoint's to answer
		r.Body = io.NopCloser(bytes.NewReader(body))
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(sw, r)
		p.record(op, body, sw.code == http.StatusOK, time.Now())
	})
}

func (p *probe) record(op string, body []byte, ok bool, at time.Time) {
	var in struct {
		TaskToken    string `json:"taskToken"`
		Name         string `json:"name"`
		ExecutionArn string `json:"executionArn"`
	}
	_ = json.Unmarshal(body, &in) // an undecodable call is counted, not attributed
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls[op]++
	if op == "DescribeExecution" {
		p.reads[in.ExecutionArn]++
	}
	if !ok {
		return
	}
	switch op {
	case "SendTaskSuccess", "SendTaskFailure":
		p.sent[in.TaskToken] = append(p.sent[in.TaskToken], at)
		for _, ch := range p.waiters[in.TaskToken] {
			ch <- at
		}
		delete(p.waiters, in.TaskToken)
	case "SendTaskHeartbeat":
		p.beats[in.TaskToken]++
	case "StartExecution":
		p.started[in.Name]++
	}
}

// sentCh delivers when the endpoint applies a SendTaskSuccess/Failure for token (at once if it
// did already).
func (p *probe) sentCh(token string) <-chan time.Time {
	ch := make(chan time.Time, 1)
	p.mu.Lock()
	defer p.mu.Unlock()
	if at := p.sent[token]; len(at) > 0 {
		ch <- at[0]
		return ch
	}
	p.waiters[token] = append(p.waiters[token], ch)
	return ch
}

// counts is a copy of the calls made so far, by operation.
func (p *probe) counts() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.calls)
}

// duplicates are what must never happen: an execution name started twice, a token sent twice.
func (p *probe) duplicates() (starts, sends []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for name, n := range p.started {
		if n > 1 {
			starts = append(starts, name)
		}
	}
	for token, at := range p.sent {
		if len(at) > 1 {
			sends = append(sends, token[:min(len(token), 16)]+"…")
		}
	}
	return starts, sends
}

// heartbeats is the number of SendTaskHeartbeat calls so far.
func (p *probe) heartbeats() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, b := range p.beats {
		n += b
	}
	return n
}

// perRequest is what one request cost: StartExecution calls that succeeded for its execution
// name, SendTask* applied for its tokens and DescribeExecution calls on its execution.
type perRequest struct{ starts, sends, reads int }

func (p *probe) forRequest(execName, execARN string, tokens []string) perRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := perRequest{starts: p.started[execName], reads: p.reads[execARN]}
	for _, t := range tokens {
		c.sends += len(p.sent[t])
	}
	return c
}

// sentAt is when a SendTaskSuccess/Failure for token was first applied.
func (p *probe) sentAt(token string) (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if at := p.sent[token]; len(at) > 0 {
		return at[0], true
	}
	return time.Time{}, false
}
