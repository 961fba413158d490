// Package metrics holds tollgate's own metrics: requests by phase, decisions by path and
// result, refusals by reason, time from creation to outcome and from decision to SendTask.
// They are registered in controller-runtime's registry, which the manager serves on its
// metrics endpoint, beside the Step Functions call and token metrics of internal/stepfunctions.
// docs/metrics.md describes each.
package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// Results of a decision at the ledger.
const (
	ResultRecorded = "recorded"
	ResultRefused  = "refused"
)

// Stages that refuse a decision: the admission webhook, or the operator's ledger (which
// checks again what a bypassed or misconfigured webhook would have let through).
const (
	StageAdmission = "admission"
	StageLedger    = "ledger"
)

var (
	decisions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tollgate_decisions_total",
		Help: "Decisions taken into a request's ledger (result recorded) or refused there (result refused), by path (annotation, ApproverDecision) and decision (Approve, Reject).",
	}, []string{"path", "decision", "result"})

	refusals = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tollgate_refusals_total",
		Help: "Decisions and requests refused, by stage (admission: the webhook answered Forbidden or Invalid; ledger: the operator refused a decision the webhook let through) and reason.",
	}, []string{"stage", "reason"})

	outcomes = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "tollgate_request_duration_seconds",
		Help: "Time from a request's creation to its outcome, by the phase it ended in.",
		// From a second (an automated approver) to a month (a forgotten request).
		Buckets: []float64{1, 10, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, 86400, 3 * 86400, 7 * 86400, 30 * 86400},
	}, []string{"phase"})

	deliveries = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "tollgate_decision_delivery_seconds",
		Help:    "Time from a decision's admission (kubectl annotate, an ApproverDecision created) to Step Functions accepting its SendTaskSuccess or SendTaskFailure, by decision.",
		Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300},
	}, []string{"decision"})
)

func init() {
	metrics.Registry.MustRegister(decisions, refusals, outcomes, deliveries, requests)
}

// Decision counts a decision entering the ledger or refused there.
func Decision(path string, d v1.Decision, result string) {
	decisions.WithLabelValues(path, string(d), result).Inc()
}

// Refusal counts a refusal at a stage.
func Refusal(stage, reason string) {
	refusals.WithLabelValues(stage, reason).Inc()
}

// Outcome observes a request that ended in phase, took after its creation.
func Outcome(phase v1.Phase, took time.Duration) {
	outcomes.WithLabelValues(string(phase)).Observe(took.Seconds())
}

// Delivery observes a decision that Step Functions accepted, took after its admission.
func Delivery(d v1.Decision, took time.Duration) {
	deliveries.WithLabelValues(string(d)).Observe(took.Seconds())
}
