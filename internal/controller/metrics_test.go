package controller_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	dto "github.com/prometheus/client_model/go"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// The metrics the manager serves, read from the registry its endpoint serves (the operator and
// the webhooks run in this process).
var _ = Describe("Metrics", func() {
	var ns string
	var op *runningOperator
	withOperator("metrics", &ns, &op)

	It("count decisions by path and result, refusals by reason, deliveries, outcomes, tokens and requests by phase", func() {
		key := newRequest(ns, "counted", []string{"alice", "bob"}, 0)
		waitTokens(key, 2)
		Expect(sample("tollgate_task_tokens_held")).To(BeNumerically(">=", 2))
		Expect(sample("tollgate_approval_requests", "phase", "Pending")).To(BeNumerically(">=", 1))

		byAnnotation := series{"tollgate_decisions_total", []string{"path", "annotation", "decision", "Approve", "result", "recorded"}}
		byDecision := series{"tollgate_decisions_total", []string{"path", "ApproverDecision", "decision", "Approve", "result", "recorded"}}
		refused := series{"tollgate_refusals_total", []string{"stage", "admission", "reason", "NotAnApprover"}}
		delivered := series{"tollgate_decision_delivery_seconds", []string{"decision", "Approve"}}
		ended := series{"tollgate_request_duration_seconds", []string{"phase", "Approved"}}
		tracked := []series{byAnnotation, byDecision, refused, delivered, ended}
		before := make([]float64, len(tracked))
		for i, s := range tracked {
			before[i] = s.value()
		}

		By("an impostor is refused at admission; alice annotates, bob creates an ApproverDecision")
		Expect(annotateAs(as("mallory@example.com", approversGroup), key, "approvals.tollgate.dev/alice", "approve")).NotTo(Succeed())
		annotate(key, "approvals.tollgate.dev/alice", "approve")
		// alice's approval goes out before bob decides: recorded together, the first delivery
		// would carry the approved verdict, the execution would end, and bob's task would
		// answer TaskTimedOut (delivered, but not timed by a SendTask of its own).
		Eventually(func() *metav1.Time { return slotOf(getRequest(key), "alice").SentAt }, settle).ShouldNot(BeNil())
		approveDecision(key, "bob-ok", "bob", "")
		waitPhase(key, v1.PhaseApproved)

		grew := []float64{1, 1, 1, 2, 1} // per tracked series: two decisions delivered
		Eventually(func(g Gomega) {
			for i, s := range tracked {
				// At least: the metrics are the process's, and a request an earlier spec left
				// may end meanwhile (every operator reconciles every namespace); counted once
				// is checked below.
				g.Expect(s.value()).To(BeNumerically(">=", before[i]+grew[i]), "%s %v", s.name, s.labels)
			}
			g.Expect(sample("tollgate_approval_requests", "phase", "Approved")).To(BeNumerically(">=", 1))
		}, settle).Should(Succeed())
		By("a decision is counted once, however often its request is reconciled")
		Consistently(byAnnotation.value, "1s").Should(Equal(before[0] + 1))
	})
})

// series is one metric's series, by name and label pairs.
type series struct {
	name   string
	labels []string
}

func (s series) value() float64 { return sample(s.name, s.labels...) }

// sample reads a metric's value from the manager's registry: a counter's or gauge's value, a
// histogram's count of observations; summed over the series whose labels match labels (name,
// value pairs); 0 when there is none yet.
func sample(name string, labels ...string) float64 {
	families, err := metrics.Registry.Gather()
	Expect(err).NotTo(HaveOccurred())
	total := 0.0
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if matches(m, labels) {
				total += value(m)
			}
		}
	}
	return total
}

func matches(m *dto.Metric, labels []string) bool {
	have := map[string]string{}
	for _, l := range m.GetLabel() {
		have[l.GetName()] = l.GetValue()
	}
	for i := 0; i < len(labels); i += 2 {
		if have[labels[i]] != labels[i+1] {
			return false
		}
	}
	return true
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.GetCounter().GetValue()
	case m.Gauge != nil:
		return m.GetGauge().GetValue()
	case m.Histogram != nil:
		return float64(m.GetHistogram().GetSampleCount())
	}
	return 0
}
