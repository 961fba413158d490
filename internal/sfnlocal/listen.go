package sfnlocal

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Listener serves a Server over HTTP on a TCP address: what cmd/sfnlocal, the tests and the
// demo run.
type Listener struct {
	// URL is the endpoint to give an AWS SDK (BaseEndpoint) or the AWS CLI (--endpoint-url).
	URL    string
	srv    *Server
	http   *http.Server
	served chan error
}

// Listen serves s on addr ("127.0.0.1:0" picks a free port) in the background. wrap, when not
// nil, sees every request first (tests record calls with it).
func Listen(s *Server, addr string, wrap func(http.Handler) http.Handler) (*Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sfnlocal: listen on %s: %w", addr, err)
	}
	var h http.Handler = s
	if wrap != nil {
		h = wrap(h)
	}
	l := &Listener{
		URL:    "http://" + ln.Addr().String(),
		srv:    s,
		http:   &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second},
		served: make(chan error, 1),
	}
	go func() { l.served <- l.http.Serve(ln) }()
	return l, nil
}

// Done yields the error that stopped serving before Close was called.
func (l *Listener) Done() <-chan error { return l.served }

// Close releases the long polls first (Shutdown would wait for them), saves the state and
// stops serving.
func (l *Listener) Close() error {
	errs := []error{l.srv.Close()}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	errs = append(errs, l.http.Shutdown(ctx))
	select {
	case err := <-l.served:
		if !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	default:
	}
	return errors.Join(errs...)
}
