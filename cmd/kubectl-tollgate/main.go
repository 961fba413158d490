// Command kubectl-tollgate is the kubectl plugin for tollgate's ApprovalRequests:
//
//	go install github.com/tollgate-dev/tollgate/cmd/kubectl-tollgate@latest
//	kubectl tollgate list
//	kubectl tollgate approve deploy-payments-v42 -m "looks good"
//	kubectl tollgate wait deploy-payments-v42 --timeout 1h
//
// See docs/plugin.md for every command and the exit codes.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/tollgate-dev/tollgate/internal/plugin"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := plugin.Run(ctx, plugin.Options{IO: genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}}, os.Args[1:])
	stop()
	os.Exit(code)
}
