// Command sfnlocal runs the local AWS Step Functions endpoint of tollgate.
//
//	sfnlocal --listen 127.0.0.1:8083 --state-file /tmp/sfnlocal.json --sns-sink file:/tmp/sns.jsonl
//
// Point any AWS SDK or the AWS CLI at it (--endpoint-url http://127.0.0.1:8083).
// --sns-sink is where the messages of sns:publish tasks go (a file, an HTTP
// endpoint or an SMTP server); without it, a publish fails as for a topic
// that does not exist.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
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
	stateFile := flag.String("state-file", "", "journal file where every change is saved and reloaded from (empty: in memory only)")
	region := flag.String("region", "us-east-1", "region used in ARNs")
	account := flag.String("account", "123456789012", "account ID used in ARNs")
	maxPollWait := flag.Duration("max-poll-wait", 60*time.Second, "longest GetActivityTask long poll")
	debug := flag.Bool("debug", false, "log every request")
	var sink sfnlocal.SNSSink
	var sinkSpec string
	flag.Func("sns-sink", "where sns:publish tasks deliver their messages (any well-formed topic ARN of --region is accepted): "+
		"file:PATH (one JSON notification per line), http://HOST:PORT/PATH (POSTed as SNS posts to an HTTP subscription) or "+
		"smtp://HOST:PORT[?to=ADDRESS] (an e-mail from "+sfnlocal.SMTPSender+" to the message's \"email\" attribute, else to ADDRESS, default "+
		sfnlocal.SMTPDefaultRecipient+"). Empty: no topic exists, a publish fails with SNS.NotFoundException",
		func(v string) (err error) {
			sink, err = sfnlocal.ParseSNSSink(v)
			sinkSpec = v
			return err
		})
	var faults []string
	flag.Func("fault", "inject a fault (repeatable): OPERATION=KIND[:PROBABILITY][:xCOUNT][:LATENCY][:CODE], KIND one of "+
		"error, throttle, internal, unavailable, latency, reset, lost-reply; OPERATION \"*\" for every operation. "+
		"E.g. --fault SendTaskSuccess=lost-reply:0.1 --fault '*=throttle:x20' --fault DescribeExecution=error:AccessDeniedException",
		func(v string) error {
			if _, _, err := sfnlocal.ParseFault(v); err != nil {
				return err
			}
			faults = append(faults, v)
			return nil
		})
	flag.Parse()

	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	srv, err := sfnlocal.New(sfnlocal.Options{
		Region: *region, AccountID: *account, StateFile: *stateFile, MaxPollWait: *maxPollWait, Logger: logger, SNSSink: sink,
	})
	if err != nil {
		return err
	}
	for _, f := range faults {
		op, rule, _ := sfnlocal.ParseFault(f) // checked when the flag was read
		srv.InjectFault(op, rule)
		logger.Info("fault injected", "operation", op, "kind", rule.Kind, "probability", rule.Probability, "count", rule.Count)
	}
	l, err := sfnlocal.Listen(srv, *listen, nil)
	if err != nil {
		return errors.Join(err, srv.Close())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger.Info("sfnlocal listening", "url", l.URL, "stateFile", *stateFile, "region", *region, "account", *account, "snsSink", sinkSpec)
	select {
	case <-ctx.Done():
		return l.Close()
	case err := <-l.Done():
		return errors.Join(fmt.Errorf("serve: %w", err), srv.Close())
	}
}
