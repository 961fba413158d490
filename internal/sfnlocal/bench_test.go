package sfnlocal

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// The benchmarks go through the SDK client and HTTP, as a worker would.

func BenchmarkStartExecution(b *testing.B) {
	e := newEnv(b, Options{Clock: RealClock{}})
	sm := e.machine("m", passMachine)
	b.ResetTimer()
	for i := range b.N {
		e.start(sm, sprintf("run-%d", i), `{"n":1}`)
	}
}

func BenchmarkGetActivityTaskRoundTrip(b *testing.B) {
	e := newEnv(b, Options{Clock: RealClock{}})
	act := e.activity("approve")
	sm := e.machine("m", sprintf(approvalTask, act))
	b.ResetTimer()
	for i := range b.N {
		e.start(sm, sprintf("run-%d", i), `{}`)
		token, _ := e.poll(act)
		if err := e.succeed(token, `{}`); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSendTaskSuccess(b *testing.B) {
	e := newEnv(b, Options{Clock: RealClock{}})
	act := e.activity("approve")
	sm := e.machine("m", sprintf(approvalTask, act))
	tokens := make([]string, b.N)
	for i := range b.N {
		e.start(sm, sprintf("run-%d", i), `{}`)
		tokens[i], _ = e.poll(act)
	}
	b.ResetTimer()
	for _, token := range tokens {
		if _, err := e.client.SendTaskSuccess(e.ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(`{"ok":true}`)}); err != nil {
			b.Fatal(err)
		}
	}
}
