package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	approvalsv1alpha1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/operator"
	"github.com/tollgate-dev/tollgate/internal/stepfunctions"
)

var scheme = runtime.NewScheme()

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(approvalsv1alpha1.AddToScheme(scheme))
}

// setupLogging sends the operator's, controller-runtime's and client-go's logs to a file, so
// the terminal only shows the demo's own lines.
func setupLogging(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	logger := zap.New(zap.WriteTo(f), zap.UseDevMode(true))
	ctrl.SetLogger(logger)
	klog.SetLogger(logger)
	return f, nil
}

// runningOperator is the tollgate operator running in-process against the local cluster and
// the local Step Functions endpoint, exactly as cmd/main.go wires it.
type runningOperator struct {
	mgr     ctrl.Manager
	cancel  context.CancelFunc
	stopped chan error
}

func startOperator(ctx context.Context, restCfg *rest.Config, awsCfg stepfunctions.Config, api stepfunctions.API, activityARN, machineARN string) (*runningOperator, error) {
	mgr, err := ctrl.NewManager(restCfg, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
	})
	if err != nil {
		return nil, fmt.Errorf("creating the manager: %w", err)
	}
	cfg := operator.NewConfig()
	// The operator's own flag defaults (pollers, heartbeat interval, follow delays).
	cfg.BindFlags(flag.NewFlagSet("operator", flag.ContinueOnError))
	cfg.AWS = awsCfg
	cfg.ActivityARN = activityARN
	cfg.Lifecycle.DefaultStateMachineARN = machineARN
	cfg.WorkerName = "tollgate-demo"
	if _, err := operator.Setup(ctx, mgr, cfg, api); err != nil {
		return nil, fmt.Errorf("setting up tollgate: %w", err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	op := &runningOperator{mgr: mgr, cancel: cancel, stopped: make(chan error, 1)}
	go func() { op.stopped <- mgr.Start(runCtx) }()
	syncCtx, syncCancel := context.WithTimeout(ctx, 60*time.Second)
	defer syncCancel()
	if !mgr.GetCache().WaitForCacheSync(syncCtx) {
		cancel()
		return nil, errors.Join(errors.New("the operator's cache did not sync within 60s"), <-op.stopped)
	}
	return op, nil
}

// stop stops the controllers, the activity poller and the token keeper.
func (op *runningOperator) stop() error {
	say("stopping the operator")
	op.cancel()
	select {
	case err := <-op.stopped:
		return err
	case <-time.After(45 * time.Second):
		return errors.New("the operator did not stop within 45s")
	}
}
