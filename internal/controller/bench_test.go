package controller_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/tollgate-dev/tollgate/internal/stepfunctions"
)

// BenchmarkDecisionToSendTaskSuccess measures the time from a decision's API write (the
// annotation patch returning) to the SendTaskSuccess for that slot reaching the Step Functions
// endpoint, with 1 and with 100 requests decided at once. Each iteration creates the requests,
// waits for their tokens (untimed), then writes every decision concurrently (timed until the
// last SendTaskSuccess arrived). Reported: p50/p99/max latency per decision.
func BenchmarkDecisionToSendTaskSuccess(b *testing.B) {
	RegisterTestingT(b)
	logf.SetLogger(logr.Discard())
	startEnvironment()
	defer stopEnvironment()
	op := startOperator(stepfunctions.Wrap(sfnLocal.client, nil))
	defer op.stop()

	for _, concurrent := range []int{1, 100} {
		b.Run(fmt.Sprintf("requests=%d", concurrent), func(b *testing.B) {
			RegisterTestingT(b)
			var latencies []time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				ns := createNamespace("bench")
				keys := make([]client.ObjectKey, concurrent)
				for j := range keys {
					keys[j] = newRequest(ns, fmt.Sprintf("r%d", j), []string{"alice"}, 0)
				}
				tokens := make([]string, concurrent)
				for j, k := range keys {
					tokens[j] = tokenOf(waitTokens(k, 1), "alice")
				}
				b.StartTimer()
				written := make([]time.Time, concurrent)
				var wg sync.WaitGroup
				for j, k := range keys {
					wg.Go(func() {
						annotate(k, "approvals.tollgate.dev/alice", "approve")
						written[j] = time.Now()
					})
				}
				wg.Wait()
				for j, tok := range tokens {
					var at time.Time
					Eventually(func() bool { var ok bool; at, ok = sfnLocal.sentAt(tok); return ok }, time.Minute, time.Millisecond).Should(BeTrue())
					latencies = append(latencies, at.Sub(written[j]))
				}
			}
			slices.Sort(latencies)
			pct := func(p float64) float64 {
				return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds()) / 1000
			}
			b.ReportMetric(pct(0.5), "ms-p50")
			b.ReportMetric(pct(0.99), "ms-p99")
			b.ReportMetric(pct(1), "ms-max")
		})
	}
}
