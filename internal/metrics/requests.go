package metrics

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// phaseNew labels a request the operator has not started yet.
const phaseNew = "New"

// listTimeout bounds one scrape's read of the cache.
const listTimeout = 10 * time.Second

var requestsDesc = prometheus.NewDesc("tollgate_approval_requests",
	"ApprovalRequests by phase (New: not started yet), counted from the operator's cache at each scrape.",
	[]string{"phase"}, nil)

// requests counts the requests of the reader CountRequests was given, at each scrape: a count
// kept by hand would drift whenever a request is deleted while the operator is down.
var requests = &requestCollector{}

type requestCollector struct{ reader atomic.Pointer[client.Reader] }

// CountRequests makes tollgate_approval_requests count the requests reader sees (the
// manager's cache). The operator started last in a process is the one counted.
func CountRequests(reader client.Reader) { requests.reader.Store(&reader) }

func (c *requestCollector) Describe(ch chan<- *prometheus.Desc) { ch <- requestsDesc }

func (c *requestCollector) Collect(ch chan<- prometheus.Metric) {
	r := c.reader.Load()
	if r == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), listTimeout)
	defer cancel()
	var list v1.ApprovalRequestList
	if err := (*r).List(ctx, &list); err != nil {
		ch <- prometheus.NewInvalidMetric(requestsDesc, err)
		return
	}
	byPhase := map[string]int{}
	for _, p := range []v1.Phase{v1.PhasePending, v1.PhaseApproved, v1.PhaseRejected, v1.PhaseExpired, v1.PhaseAborted, v1.PhaseFailed} {
		byPhase[string(p)] = 0
	}
	byPhase[phaseNew] = 0
	for i := range list.Items {
		phase := string(list.Items[i].Status.Phase)
		if phase == "" {
			phase = phaseNew
		}
		byPhase[phase]++
	}
	for phase, n := range byPhase {
		ch <- prometheus.MustNewConstMetric(requestsDesc, prometheus.GaugeValue, float64(n), phase)
	}
}
