package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/tollgate-dev/tollgate/internal/devenv"
)

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

// legacyKey is the key an earlier version of the demo signed decision records with, kept with
// the demo's state: a kept cluster's pending requests of that version stay decidable. A new
// state has none (records are not signed any more).
func legacyKey(stateDir string) ([]byte, error) {
	key, err := os.ReadFile(filepath.Join(stateDir, "record-key"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return key, err
}

// startOperator starts tollgate as a cluster runs it: its admission webhooks, and the operator
// (controllers, activity poller, token keeper) with the flags' defaults, each as the operator's
// service account (internal/devenv, as the tests do).
func startOperator(ctx context.Context, cp *devenv.ControlPlane, ep *devenv.Endpoint, stateDir string, done *cleanups) (*devenv.Operator, error) {
	key, err := legacyKey(stateDir)
	if err != nil {
		return nil, fmt.Errorf("the legacy record key: %w", err)
	}
	finish := step("starting tollgate's admission webhooks on %s:%d (who may decide; only the operator writes status)",
		cp.Env.WebhookInstallOptions.LocalServingHost, cp.Env.WebhookInstallOptions.LocalServingPort)
	hooks, err := devenv.StartWebhooks(ctx, cp, key, nil)
	if err != nil {
		return nil, err
	}
	done.add(func() error { say("stopping the webhooks"); return hooks.Stop() })
	finish()
	finish = step("starting the operator in-process (controllers, activity poller, token keeper)")
	op, err := devenv.StartOperator(ctx, cp, ep, key, devenv.OperatorOptions{Config: nil})
	if err != nil {
		return nil, err
	}
	done.add(func() error { say("stopping the operator"); return op.Stop() })
	finish()
	return op, nil
}
