package admission

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// inForceGauge is 1 while tollgate's admission is in force, 0 while it is not (decisions held).
var inForceGauge = prometheus.NewGauge(prometheus.GaugeOpts{
	Name: "tollgate_admission_in_force",
	Help: "1 while tollgate's admission webhooks are configured as they must be and refuse a forged write, 0 while not: decisions are then neither recorded nor sent. Alert on 0.",
})

func init() { metrics.Registry.MustRegister(inForceGauge) }

// report sets the gauge from the monitor's state, and calls OnInForce when admission has come
// (back) in force; m.mu is held.
func (m *Monitor) report() {
	ok, _ := m.inForce()
	if ok {
		inForceGauge.Set(1)
	} else {
		inForceGauge.Set(0)
	}
	if ok && !m.wasInForce && m.OnInForce != nil {
		go m.OnInForce()
	}
	m.wasInForce = ok
}
