package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/tollgate-dev/tollgate/internal/devenv"
)

// startEndpoint serves tollgate's local Step Functions (internal/devenv, as the tests do) on
// 127.0.0.1, its state saved to the state directory, provisioned with the approval activity
// and the shipped state machine.
func startEndpoint(ctx context.Context, listen, stateFile, logPath string) (*devenv.Endpoint, func() error, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, nil, err
	}
	_, statErr := os.Stat(stateFile)
	opts := devenv.EndpointOptions{Listen: listen, StateFile: stateFile, Logger: slog.New(slog.NewTextHandler(logFile, nil))}
	ep, err := devenv.StartEndpoint(ctx, opts)
	if err != nil {
		say("  %s is not free (%v); using a free port on 127.0.0.1 instead", listen, err)
		opts.Listen = "127.0.0.1:0"
		ep, err = devenv.StartEndpoint(ctx, opts)
	}
	if err != nil {
		_ = logFile.Close()
		return nil, nil, err
	}
	if statErr == nil {
		say("local Step Functions endpoint listening on %s (state reloaded from %s)", ep.URL, stateFile)
	} else {
		say("local Step Functions endpoint listening on %s (state saved to %s)", ep.URL, stateFile)
	}
	say("  activity %s", ep.ActivityARN)
	say("  state machine %s (config/stepfunctions/approval.asl.json)", ep.MachineARN)
	say("  endpoint log: %s", logPath)
	stop := func() error {
		say("stopping the local Step Functions endpoint (saving its state)")
		err := ep.Stop()
		_ = logFile.Close()
		return err
	}
	return ep, stop, nil
}
