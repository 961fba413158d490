package sfnlocal

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// Each injected fault, as a client with no retries of its own sees it.
func TestInjectFault_EachKindThenCleared(t *testing.T) {
	cases := []struct {
		rule FaultRule
		code string // the error code the SDK reports; "" for a connection error
		ok   bool   // the call succeeds
	}{
		{FaultRule{Kind: FaultError, Code: "AccessDeniedException"}, "AccessDeniedException", false},
		{FaultRule{Kind: FaultThrottle}, "ThrottlingException", false},
		{FaultRule{Kind: FaultInternal}, "InternalFailure", false},
		{FaultRule{Kind: FaultUnavailable}, "ServiceUnavailable", false},
		{FaultRule{Kind: FaultLatency, Latency: 50 * time.Millisecond}, "", true},
		{FaultRule{Kind: FaultReset}, "", false},
		{FaultRule{Kind: FaultLostReply}, "", false},
	}
	for _, c := range cases {
		t.Run(string(c.rule.Kind), func(t *testing.T) {
			e := newEnv(t, Options{})
			act := e.activity("approve")
			noRetry := func(o *sfn.Options) { o.RetryMaxAttempts = 1 }
			e.srv.InjectFault("DescribeActivity", c.rule)
			start := time.Now()
			_, err := e.client.DescribeActivity(e.ctx, &sfn.DescribeActivityInput{ActivityArn: aws.String(act)}, noRetry)
			switch {
			case c.ok && err != nil:
				t.Fatalf("err = %v, want success", err)
			case c.ok && time.Since(start) < 50*time.Millisecond:
				t.Fatal("answered before the injected latency")
			case !c.ok && err == nil:
				t.Fatal("the fault did not fire")
			case c.code != "":
				wantErrorCode(t, err, c.code)
			}
			if got := e.srv.FaultsFired()["DescribeActivity "+string(c.rule.Kind)]; got != 1 {
				t.Fatalf("fired %d times, want 1", got)
			}
			e.srv.ClearFaults("DescribeActivity")
			if _, err := e.client.DescribeActivity(e.ctx, &sfn.DescribeActivityInput{ActivityArn: aws.String(act)}, noRetry); err != nil {
				t.Fatalf("after clearing the fault: %v", err)
			}
		})
	}
}

// A lost reply is a change made that the caller never heard of: the execution started, and a
// retry of the same start is answered as AWS answers it (the same execution).
func TestInjectFault_LostReplyAppliesTheChange(t *testing.T) {
	e := newEnv(t, Options{})
	act := e.activity("approve")
	sm := e.machine("m", sprintf(approvalTask, act))
	e.srv.InjectFault("StartExecution", FaultRule{Kind: FaultLostReply, Count: 1})
	in := &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String("once"), Input: aws.String(`{}`)}
	if _, err := e.client.StartExecution(e.ctx, in, func(o *sfn.Options) { o.RetryMaxAttempts = 1 }); err == nil {
		t.Fatal("the reply was not lost")
	}
	out, err := e.client.StartExecution(e.ctx, in)
	if err != nil {
		t.Fatalf("the retried start: %v", err)
	}
	list, err := e.client.ListExecutions(e.ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm)})
	if err != nil || len(list.Executions) != 1 || aws.ToString(list.Executions[0].ExecutionArn) != aws.ToString(out.ExecutionArn) {
		t.Fatalf("executions = %+v (%v): want the one the lost reply started", list.Executions, err)
	}
}

// A burst hits a number of calls, then stops; "*" hits every operation.
func TestInjectFault_BurstAndEveryOperation(t *testing.T) {
	e := newEnv(t, Options{})
	act := e.activity("approve")
	e.srv.InjectFault("*", FaultRule{Kind: FaultThrottle, Count: 2})
	noRetry := func(o *sfn.Options) { o.RetryMaxAttempts = 1 }
	errs := make([]error, 0, 3)
	for range 3 {
		_, err := e.client.DescribeActivity(e.ctx, &sfn.DescribeActivityInput{ActivityArn: aws.String(act)}, noRetry)
		errs = append(errs, err)
	}
	if errs[0] == nil || errs[1] == nil || errs[2] != nil {
		t.Fatalf("errors = %v, want two throttles then an answer", errs)
	}
}

func TestParseFault(t *testing.T) {
	good := map[string]FaultRule{
		"SendTaskSuccess=lost-reply:0.2":                {Kind: FaultLostReply, Probability: 0.2},
		"GetActivityTask=latency:0.5:2s":                {Kind: FaultLatency, Probability: 0.5, Latency: 2 * time.Second},
		"*=throttle:x50":                                {Kind: FaultThrottle, Count: 50},
		"DescribeExecution=error:AccessDeniedException": {Kind: FaultError, Code: "AccessDeniedException"},
	}
	for spec, want := range good {
		_, got, err := ParseFault(spec)
		if err != nil || got != want {
			t.Errorf("ParseFault(%q) = %+v, %v; want %+v", spec, got, err, want)
		}
	}
	for _, bad := range []string{"", "throttle", "=throttle", "X=boom", "X=throttle:1.5", "X=throttle:x0", "X=error", "X=throttle:Code"} {
		if _, _, err := ParseFault(bad); err == nil {
			t.Errorf("ParseFault(%q) accepted", bad)
		}
	}
}

// FuzzParseFault: the command line's fault grammar never panics and yields only known kinds.
func FuzzParseFault(f *testing.F) {
	f.Add("SendTaskSuccess=lost-reply:0.2:x3:1s")
	f.Add("*=error:AccessDeniedException")
	f.Fuzz(func(t *testing.T, spec string) {
		_, rule, err := ParseFault(spec)
		if err == nil && !knownKind(rule.Kind) {
			t.Fatalf("unknown kind %q accepted", rule.Kind)
		}
		if err == nil && rule.Kind == FaultError && rule.Code == "" {
			t.Fatal("an error fault without a code")
		}
	})
}
