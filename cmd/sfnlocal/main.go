// Command sfnlocal runs the local AWS Step Functions endpoint of tollgate.
//
//	sfnlocal --listen 127.0.0.1:8083 --state-file /tmp/sfnlocal.json
//
// Point any AWS SDK or the AWS CLI at it (--endpoint-url http://127.0.0.1:8083).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/tollgate-dev/tollgate/internal/sfnlocal"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "sfnlocal:", err)
		os.Exit(1)
	}
}

func run() error {
	listen := flag.String("listen", "127.0.0.1:8083", "address to listen on")
	stateFile := flag.String("state-file", "", "file where the state is saved and reloaded (empty: in memory only)")
	region := flag.String("region", "us-east-1", "region used in ARNs")
	account := flag.String("account", "123456789012", "account ID used in ARNs")
	maxPollWait := flag.Duration("max-poll-wait", 60*time.Second, "longest GetActivityTask long poll")
	debug := flag.Bool("debug", false, "log every request")
	flag.Parse()

	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	srv, err := sfnlocal.New(sfnlocal.Options{
		Region: *region, AccountID: *account, StateFile: *stateFile, MaxPollWait: *maxPollWait, Logger: logger,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return errors.Join(fmt.Errorf("listen: %w", err), srv.Close())
	}
	httpSrv := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		// Close first: it releases the long polls Shutdown would wait for.
		if err := srv.Close(); err != nil {
			logger.Error("close", "err", err)
		}
		if err := httpSrv.Shutdown(shutdownCtx); err != nil {
			logger.Error("shutdown", "err", err)
		}
	}()
	logger.Info("sfnlocal listening", "addr", ln.Addr().String(), "stateFile", *stateFile, "region", *region, "account", *account)
	if err := httpSrv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return srv.Close()
}
