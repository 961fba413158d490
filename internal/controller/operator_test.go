package controller_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tollgate-dev/tollgate/internal/controller"
	"github.com/tollgate-dev/tollgate/internal/devenv"
	"github.com/tollgate-dev/tollgate/internal/operator"
	"github.com/tollgate-dev/tollgate/internal/stepfunctions"
)

// testClusterID is the installation identity of the operator under test.
const testClusterID = "test-cluster"

// runningOperator is one operator process: tollgate wired as cmd/main.go wires it, running as
// its own service account, talking to the local endpoint through api.
type runningOperator struct {
	*devenv.Operator
	router *controller.TaskRouter
}

// startOperator runs an operator until stop (or a simulated crash) ends it. The suite's
// settings are quicker than the flags' defaults, for tests that wait on them.
func startOperator(api stepfunctions.API) *runningOperator {
	return startOperatorWith(api, nil)
}

// startOperatorWith is startOperator with the suite's settings changed by tune.
func startOperatorWith(api stepfunctions.API, tune func(*operator.Config)) *runningOperator {
	return runOperator(devenv.OperatorOptions{Config: suiteConfig(tune), API: api})
}

// runOperator runs an operator as startOperator does, with more of the environment's options.
// One a spec leaves running is stopped when the spec ends: an operator of an earlier spec would
// go on acting on every namespace (deciding, notifying) in the specs after it.
func runOperator(o devenv.OperatorOptions) *runningOperator {
	op, err := env.StartOperator(ctx, o)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() {
		select {
		case <-op.Done():
		default:
			Expect(op.Stop()).To(Succeed())
		}
	})
	return &runningOperator{Operator: op, router: op.Router}
}

// suiteConfig is the suite's settings, changed by tune (nil: as they are).
func suiteConfig(tune func(*operator.Config)) *operator.Config {
	c := operator.NewConfig()
	c.WorkerName = "operator-under-test"
	c.Lifecycle = controller.Options{
		ClusterID:        testClusterID,
		HeartbeatSeconds: 300,
		MinFollowDelay:   100 * time.Millisecond,
		IdleFollowDelay:  2 * time.Second,
		// Requests left pending by earlier specs must not slow this one's checks down.
		IdleChecksPerSecond: 1000,
		ExpiryGrace:         30 * time.Second,
		StartRetryDelay:     time.Second,
	}
	c.Poller.Workers = 2
	c.Heartbeats.Interval = time.Second
	c.LegacyCheckInterval = time.Second
	if tune != nil {
		tune(c)
	}
	return c
}

// withOperator gives each spec of a container a fresh namespace (prefix-…) and an operator,
// stopped after the spec.
func withOperator(prefix string, ns *string, op **runningOperator) {
	BeforeEach(func() {
		*ns = createNamespace(prefix)
		*op = startOperator(stepfunctions.Wrap(sfnLocal.client, nil))
	})
}

// stop ends the operator and waits until its manager has returned.
func (o *runningOperator) stop() {
	Expect(o.Stop()).To(Succeed())
}
