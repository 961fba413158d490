package sfnlocal

import (
	"os"
	"strconv"
	"strings"
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

// BenchmarkStoreChange measures what one change costs the state file when 10
// and when 1,000 executions (each with its history and an open task token)
// are already there. Each op is three changes: StartExecution,
// GetActivityTask and SendTaskSuccess. B/change is what the process wrote
// per change (write(2) bytes from /proc/self/io, HTTP replies included).
func BenchmarkStoreChange(b *testing.B) {
	for _, n := range []int{10, 1000} {
		b.Run(sprintf("executions=%d", n), func(b *testing.B) {
			e := newEnv(b, Options{Clock: RealClock{}, StateFile: b.TempDir() + "/state"})
			act := e.activity("approve")
			sm := e.machine("m", sprintf(approvalTask, act))
			for i := range n {
				e.start(sm, sprintf("open-%d", i), `{"n":1}`)
				e.poll(act)
			}
			before := writtenBytes(b)
			b.ResetTimer()
			for i := range b.N {
				e.start(sm, sprintf("run-%d", i), `{"n":1}`)
				token, _ := e.poll(act)
				if err := e.succeed(token, `{"ok":true}`); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(writtenBytes(b)-before)/float64(3*b.N), "B/change")
		})
	}
}

// writtenBytes is the process's wchar: every byte it passed to write(2).
func writtenBytes(b *testing.B) int64 {
	b.Helper()
	data, err := os.ReadFile("/proc/self/io")
	if err != nil {
		b.Skipf("no /proc/self/io: %v", err)
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, "wchar: "); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				b.Fatalf("wchar %q: %v", v, err)
			}
			return n
		}
	}
	b.Fatal("no wchar in /proc/self/io")
	return 0
}
