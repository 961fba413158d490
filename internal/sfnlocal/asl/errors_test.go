package asl

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorMatches(t *testing.T) {
	cases := []struct {
		name        string
		errorEquals []string
		err         string
		want        bool
	}{
		{"exact name", []string{"MyError"}, "MyError", true},
		{"names are case sensitive", []string{"myerror"}, "MyError", false},
		{"any element", []string{"A", "B"}, "B", true},
		{"States.ALL matches custom errors", []string{ErrALL}, "MyError", true},
		{"States.ALL matches States.TaskFailed", []string{ErrALL}, ErrTaskFailed, true},
		{"States.ALL matches States.Timeout", []string{ErrALL}, ErrTimeout, true},
		{"AWS: States.ALL cannot catch States.Runtime", []string{ErrALL}, ErrRuntime, false},
		{"AWS: States.ALL cannot catch States.DataLimitExceeded", []string{ErrALL}, ErrDataLimitExceeded, false},
		{"States.Runtime listed explicitly", []string{ErrRuntime}, ErrRuntime, true},
		{"spec: States.Timeout covers heartbeat timeouts", []string{ErrTimeout}, ErrHeartbeatTimeout, true},
		{"States.HeartbeatTimeout matches heartbeat timeouts", []string{ErrHeartbeatTimeout}, ErrHeartbeatTimeout, true},
		{"States.HeartbeatTimeout does not match task timeouts", []string{ErrHeartbeatTimeout}, ErrTimeout, false},
		{"States.TaskFailed does not match a timeout", []string{ErrTaskFailed}, ErrTimeout, false},
		{"States.TaskFailed does not match a heartbeat timeout", []string{ErrTaskFailed}, ErrHeartbeatTimeout, false},
		{"AWS: States.TaskFailed matches a worker's error", []string{ErrTaskFailed}, "Rejected", true},
		{"States.TaskFailed matches a failed Parallel branch's error", []string{ErrTaskFailed}, ErrBranchFailed, true},
		{"States.TaskFailed cannot catch States.Runtime", []string{ErrTaskFailed}, ErrRuntime, false},
		{"States.TaskFailed cannot catch States.DataLimitExceeded", []string{ErrTaskFailed}, ErrDataLimitExceeded, false},
		{"empty list", nil, "X", false},
	}
	for _, c := range cases {
		if got := ErrorMatches(c.errorEquals, c.err); got != c.want {
			t.Errorf("%s: ErrorMatches(%v, %q) = %v", c.name, c.errorEquals, c.err, got)
		}
	}
}

func TestValidErrorEquals(t *testing.T) {
	cases := []struct {
		in []string
		ok bool
	}{
		{[]string{"A"}, true},
		{[]string{ErrALL}, true},
		{[]string{"A", ErrALL}, false},
		{[]string{ErrALL, "A"}, false},
		{nil, false},
		{[]string{""}, false},
	}
	for _, c := range cases {
		if err := ValidErrorEquals(c.in); (err == nil) != c.ok {
			t.Errorf("ValidErrorEquals(%v) = %v, want ok=%v", c.in, err, c.ok)
		}
	}
}

func TestAsError(t *testing.T) {
	e := &Error{Name: "X", Cause: "c"}
	if AsError(fmt.Errorf("wrapped: %w", e)) != e {
		t.Error("AsError did not unwrap the *Error")
	}
	if got := AsError(errors.New("boom")); got.Name != ErrRuntime || got.Cause != "boom" {
		t.Errorf("AsError(foreign) = %+v", got)
	}
	if AsError(nil) != nil {
		t.Error("AsError(nil) != nil")
	}
	if e.Error() != "X: c" || (&Error{Name: "Y"}).Error() != "Y" {
		t.Errorf("Error() = %q", e.Error())
	}
}
