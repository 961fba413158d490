package stepfunctions

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// outcomeSuccess labels a call that returned no error; failures are labelled
// with their AWS error code, or their Class when they carry none.
const outcomeSuccess = "success"

// labelOperation is the metrics' label for the API operation ("GetActivityTask", ...).
const labelOperation = "operation"

var (
	requestsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tollgate_aws_requests_total",
		Help: "Step Functions API calls by operation and outcome (success, an AWS error code, or an error class).",
	}, []string{labelOperation, "outcome"})

	requestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "tollgate_aws_request_duration_seconds",
		Help: "Duration of Step Functions API calls, SDK retries included (GetActivityTask long-polls up to 60s).",
		// Up to 90s: GetActivityTask holds the connection up to 60s.
		Buckets: []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 90},
	}, []string{labelOperation})

	tokensHeld = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "tollgate_task_tokens_held",
		Help: "Approval task tokens the operator holds and heartbeats (undecided slots of pending requests, on the leader).",
	})

	rateLimitWait = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "tollgate_aws_rate_limit_wait_seconds",
		Help:    "Time Step Functions API calls waited for the client-side rate limiter.",
		Buckets: []float64{0.001, 0.01, 0.1, 0.5, 1, 5, 10, 30},
	}, []string{labelOperation})
)

// Registered once per process, in controller-runtime's registry, which the
// manager serves on its metrics endpoint.
func init() {
	metrics.Registry.MustRegister(requestsTotal, requestDuration, rateLimitWait, tokensHeld)
}

// observeCall records one finished call.
func observeCall(op string, took time.Duration, err error) {
	requestDuration.WithLabelValues(op).Observe(took.Seconds())
	requestsTotal.WithLabelValues(op, outcome(err)).Inc()
}

func outcome(err error) string {
	if err == nil {
		return outcomeSuccess
	}
	if code := Code(err); code != "" {
		return code
	}
	return Classify(err).String()
}
