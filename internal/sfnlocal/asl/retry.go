package asl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"time"
)

// Retrier defaults and limits (AWS error handling guide).
const (
	DefaultIntervalSeconds = 1
	DefaultMaxAttempts     = 3
	DefaultBackoffRate     = 2.0
	maxRetrierSeconds      = 99999999
	maxDelaySecondsLimit   = 31622401
	JitterFull             = "FULL"
	JitterNone             = "NONE"
)

// Retrier is one element of a state's Retry field.
type Retrier struct {
	ErrorEquals     []string
	IntervalSeconds int
	// MaxAttempts is the number of retries; 0 means never retry.
	MaxAttempts int
	BackoffRate float64
	// MaxDelaySeconds caps the delay; 0 means no cap.
	MaxDelaySeconds int
	JitterStrategy  string // JitterFull or JitterNone
}

// ParseRetrier decodes and validates a Retrier, applying the defaults:
// IntervalSeconds 1, MaxAttempts 3, BackoffRate 2.0, JitterStrategy NONE.
func ParseRetrier(raw []byte) (Retrier, error) {
	var in struct {
		ErrorEquals     []string
		IntervalSeconds *int
		MaxAttempts     *int
		BackoffRate     *float64
		MaxDelaySeconds *int
		JitterStrategy  *string
		Comment         string
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return Retrier{}, fmt.Errorf("retrier: %w", err)
	}
	r := Retrier{
		ErrorEquals:     in.ErrorEquals,
		IntervalSeconds: valueOr(in.IntervalSeconds, DefaultIntervalSeconds),
		MaxAttempts:     valueOr(in.MaxAttempts, DefaultMaxAttempts),
		BackoffRate:     valueOr(in.BackoffRate, DefaultBackoffRate),
		MaxDelaySeconds: valueOr(in.MaxDelaySeconds, 0),
		JitterStrategy:  valueOr(in.JitterStrategy, JitterNone),
	}
	if in.MaxDelaySeconds != nil && (r.MaxDelaySeconds < 1 || r.MaxDelaySeconds >= maxDelaySecondsLimit) {
		return Retrier{}, fmt.Errorf("retrier: MaxDelaySeconds must be between 1 and %d", maxDelaySecondsLimit-1)
	}
	if err := r.Validate(); err != nil {
		return Retrier{}, err
	}
	return r, nil
}

func valueOr[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// Validate checks the field ranges of a Retrier.
func (r Retrier) Validate() error {
	if err := ValidErrorEquals(r.ErrorEquals); err != nil {
		return fmt.Errorf("retrier: %w", err)
	}
	switch {
	case r.IntervalSeconds < 1 || r.IntervalSeconds > maxRetrierSeconds:
		return fmt.Errorf("retrier: IntervalSeconds must be between 1 and %d", maxRetrierSeconds)
	case r.MaxAttempts < 0 || r.MaxAttempts > maxRetrierSeconds:
		return fmt.Errorf("retrier: MaxAttempts must be between 0 and %d", maxRetrierSeconds)
	case r.BackoffRate < 1 || math.IsInf(r.BackoffRate, 0):
		return fmt.Errorf("retrier: BackoffRate must be a number >= 1.0")
	case r.MaxDelaySeconds < 0 || r.MaxDelaySeconds >= maxDelaySecondsLimit:
		return fmt.Errorf("retrier: MaxDelaySeconds must be between 1 and %d", maxDelaySecondsLimit-1)
	case r.JitterStrategy != JitterFull && r.JitterStrategy != JitterNone:
		return fmt.Errorf("retrier: JitterStrategy must be %q or %q", JitterFull, JitterNone)
	}
	return nil
}

// Delay returns the wait before retry number attempt (1-based):
// IntervalSeconds × BackoffRate^(attempt-1), capped at MaxDelaySeconds when
// set, then, with JitterStrategy FULL, scaled by rnd() ∈ [0,1). A nil rnd
// uses math/rand/v2.
func (r Retrier) Delay(attempt int, rnd func() float64) time.Duration {
	seconds := float64(r.IntervalSeconds) * math.Pow(r.BackoffRate, float64(max(attempt, 1)-1))
	if r.MaxDelaySeconds > 0 {
		seconds = math.Min(seconds, float64(r.MaxDelaySeconds))
	}
	if r.JitterStrategy == JitterFull {
		if rnd == nil {
			rnd = mrand.Float64
		}
		seconds *= rnd()
	}
	if seconds >= math.MaxInt64/float64(time.Second) {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(seconds * float64(time.Second))
}
