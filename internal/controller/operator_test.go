package controller_test

import (
	"context"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/tollgate-dev/tollgate/internal/controller"
	"github.com/tollgate-dev/tollgate/internal/operator"
	"github.com/tollgate-dev/tollgate/internal/stepfunctions"
)

// testClusterID is the installation identity of the operator under test.
const testClusterID = "test-cluster"

// runningOperator is one operator process: a manager with tollgate set up, as cmd/main.go
// does it, talking to the local endpoint through api.
type runningOperator struct {
	router *controller.TaskRouter
	cancel context.CancelFunc
	done   chan error
}

// startOperator runs an operator until stop (or a simulated crash) ends it.
func startOperator(api stepfunctions.API) *runningOperator {
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Controller:             config.Controller{SkipNameValidation: ptr.To(true)},
	})
	Expect(err).NotTo(HaveOccurred())
	c := operator.NewConfig()
	c.ActivityARN = sfnLocal.activityARN
	c.WorkerName = "operator-under-test"
	c.Lifecycle = controller.Options{
		DefaultStateMachineARN: sfnLocal.shippedARN,
		ClusterID:              testClusterID,
		HeartbeatSeconds:       300,
		MinFollowDelay:         100 * time.Millisecond,
		IdleFollowDelay:        2 * time.Second,
		ExpiryGrace:            30 * time.Second,
		StartRetryDelay:        time.Second,
	}
	c.Poller.Workers = 2
	c.Heartbeats.Interval = time.Second
	opCtx, opCancel := context.WithCancel(ctx)
	router, err := operator.Setup(opCtx, mgr, c, api)
	Expect(err).NotTo(HaveOccurred())
	op := &runningOperator{router: router, cancel: opCancel, done: make(chan error, 1)}
	go func() { op.done <- mgr.Start(opCtx) }()
	return op
}

// stop ends the operator and waits until its manager has returned.
func (o *runningOperator) stop() {
	o.cancel()
	Eventually(o.done, 30*time.Second).Should(Receive())
}
