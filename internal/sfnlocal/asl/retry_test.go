package asl

import (
	"testing"
	"time"
)

func TestParseRetrierDefaults(t *testing.T) {
	r, err := ParseRetrier([]byte(`{"ErrorEquals": ["States.ALL"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if r.IntervalSeconds != 1 || r.MaxAttempts != 3 || r.BackoffRate != 2.0 || r.MaxDelaySeconds != 0 || r.JitterStrategy != JitterNone {
		t.Fatalf("defaults = %+v", r)
	}
	r, err = ParseRetrier([]byte(`{"ErrorEquals": ["A"], "IntervalSeconds": 3, "MaxAttempts": 0, "BackoffRate": 1.5, "MaxDelaySeconds": 10, "JitterStrategy": "FULL", "Comment": "c"}`))
	if err != nil {
		t.Fatal(err)
	}
	if r.IntervalSeconds != 3 || r.MaxAttempts != 0 || r.BackoffRate != 1.5 || r.MaxDelaySeconds != 10 || r.JitterStrategy != JitterFull || len(r.ErrorEquals) != 1 {
		t.Fatalf("explicit fields = %+v", r)
	}
}

func TestParseRetrierRejects(t *testing.T) {
	for _, raw := range []string{
		`{}`,
		`{"ErrorEquals": []}`,
		`{"ErrorEquals": ["A", "States.ALL"]}`,
		`{"ErrorEquals": ["A"], "IntervalSeconds": 0}`,
		`{"ErrorEquals": ["A"], "MaxAttempts": -1}`,
		`{"ErrorEquals": ["A"], "BackoffRate": 0.5}`,
		`{"ErrorEquals": ["A"], "MaxDelaySeconds": 0}`,
		`{"ErrorEquals": ["A"], "MaxDelaySeconds": 31622401}`,
		`{"ErrorEquals": ["A"], "JitterStrategy": "HALF"}`,
		`{"ErrorEquals": ["A"], "Unknown": 1}`,
		`{"ErrorEquals": ["A"], "IntervalSeconds": 1.5}`,
		`[`,
	} {
		if _, err := ParseRetrier([]byte(raw)); err == nil {
			t.Errorf("ParseRetrier(%s) succeeded, want error", raw)
		}
	}
}

func TestRetrierDelay(t *testing.T) {
	half := func() float64 { return 0.5 }
	cases := []struct {
		name    string
		r       Retrier
		attempt int
		rnd     func() float64
		want    time.Duration
	}{
		{"first retry waits IntervalSeconds", Retrier{IntervalSeconds: 3, BackoffRate: 2, JitterStrategy: JitterNone}, 1, nil, 3 * time.Second},
		{"spec: multiplied by BackoffRate per attempt", Retrier{IntervalSeconds: 3, BackoffRate: 2, JitterStrategy: JitterNone}, 3, nil, 12 * time.Second},
		{"fractional backoff", Retrier{IntervalSeconds: 1, BackoffRate: 1.5, JitterStrategy: JitterNone}, 2, nil, 1500 * time.Millisecond},
		{"MaxDelaySeconds caps the delay", Retrier{IntervalSeconds: 1, BackoffRate: 2, MaxDelaySeconds: 5, JitterStrategy: JitterNone}, 10, nil, 5 * time.Second},
		{"FULL jitter scales by rnd", Retrier{IntervalSeconds: 4, BackoffRate: 2, JitterStrategy: JitterFull}, 2, half, 4 * time.Second},
		{"FULL jitter applies after the cap", Retrier{IntervalSeconds: 4, BackoffRate: 2, MaxDelaySeconds: 6, JitterStrategy: JitterFull}, 3, half, 3 * time.Second},
		{"huge delays saturate", Retrier{IntervalSeconds: 99999999, BackoffRate: 99, JitterStrategy: JitterNone}, 1000, nil, time.Duration(1<<63 - 1)},
		{"attempt below 1 is treated as 1", Retrier{IntervalSeconds: 2, BackoffRate: 2}, 0, nil, 2 * time.Second},
	}
	for _, c := range cases {
		if got := c.r.Delay(c.attempt, c.rnd); got != c.want {
			t.Errorf("%s: Delay(%d) = %v, want %v", c.name, c.attempt, got, c.want)
		}
	}
	full := Retrier{IntervalSeconds: 10, BackoffRate: 1, JitterStrategy: JitterFull}
	for range 20 {
		if d := full.Delay(1, nil); d < 0 || d >= 10*time.Second {
			t.Fatalf("default rnd delay %v outside [0, 10s)", d)
		}
	}
}
