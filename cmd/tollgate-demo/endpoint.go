package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/tollgate-dev/tollgate/internal/sfnlocal"
)

// endpoint is tollgate's local Step Functions (internal/sfnlocal) served in-process on
// 127.0.0.1, its state saved to the state directory.
type endpoint struct {
	srv     *sfnlocal.Server
	http    *http.Server
	url     string
	served  chan error
	logFile *os.File
}

func startEndpoint(listen, stateFile, logPath string) (*endpoint, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	_, statErr := os.Stat(stateFile)
	srv, err := sfnlocal.New(sfnlocal.Options{
		Region: region, AccountID: account, StateFile: stateFile,
		Logger: slog.New(slog.NewTextHandler(logFile, nil)),
	})
	if err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("starting the local Step Functions endpoint (state %s): %w", stateFile, err)
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		say("  %s is taken (%v); using a free port on 127.0.0.1 instead", listen, err)
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		return nil, errors.Join(err, srv.Close(), logFile.Close())
	}
	e := &endpoint{
		srv:     srv,
		http:    &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second},
		url:     "http://" + ln.Addr().String(),
		served:  make(chan error, 1),
		logFile: logFile,
	}
	go func() { e.served <- e.http.Serve(ln) }()
	if statErr == nil {
		say("local Step Functions endpoint listening on %s (state reloaded from %s)", e.url, stateFile)
	} else {
		say("local Step Functions endpoint listening on %s (state saved to %s)", e.url, stateFile)
	}
	say("  endpoint log: %s", logPath)
	return e, nil
}

// stop releases the long polls, saves the state and closes the listener.
func (e *endpoint) stop() error {
	say("stopping the local Step Functions endpoint (saving its state)")
	errs := []error{e.srv.Close()}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	errs = append(errs, e.http.Shutdown(ctx))
	if err := <-e.served; !errors.Is(err, http.ErrServerClosed) {
		errs = append(errs, err)
	}
	errs = append(errs, e.logFile.Close())
	return errors.Join(errs...)
}
