package devenv

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/tollgate-dev/tollgate/internal/approvalmachine"
	"github.com/tollgate-dev/tollgate/internal/sfnlocal"
	"github.com/tollgate-dev/tollgate/internal/stepfunctions"
)

// The account, region and names the environment's Step Functions uses.
const (
	Region       = "us-east-1"
	Account      = "123456789012"
	ActivityName = "tollgate-approvals"
	MachineName  = "tollgate-approval"
)

// Endpoint is tollgate's local Step Functions on 127.0.0.1, provisioned with the approval
// activity and the shipped state machine, as the SAM template provisions AWS.
type Endpoint struct {
	Server *sfnlocal.Server
	URL    string
	// AWS is how the operator reaches the endpoint (what its --aws-* flags would say).
	AWS stepfunctions.Config
	// Client is the real AWS SDK client pointed at the endpoint, as the operator builds it.
	Client      *sfn.Client
	ActivityARN string
	MachineARN  string
	listener    *sfnlocal.Listener
}

// EndpointOptions configure StartEndpoint.
type EndpointOptions struct {
	// Listen is the address ("127.0.0.1:0", the default, picks a free port).
	Listen string
	// StateFile keeps the executions across restarts ("" = in memory).
	StateFile string
	// Clock drives the endpoint's timeouts (nil: the real clock).
	Clock  sfnlocal.Clock
	Logger *slog.Logger
	// Wrap sees every request before the endpoint does.
	Wrap func(http.Handler) http.Handler
	// SNSSink receives the messages of sns:publish tasks (nil: none; see
	// sfnlocal.Options.SNSSink).
	SNSSink sfnlocal.SNSSink
}

// StartEndpoint serves the local endpoint and provisions it.
func StartEndpoint(ctx context.Context, o EndpointOptions) (*Endpoint, error) {
	if o.Listen == "" {
		o.Listen = "127.0.0.1:0"
	}
	srv, err := sfnlocal.New(sfnlocal.Options{Region: Region, AccountID: Account, StateFile: o.StateFile, Clock: o.Clock, Logger: o.Logger, SNSSink: o.SNSSink})
	if err != nil {
		return nil, fmt.Errorf("starting the local Step Functions endpoint: %w", err)
	}
	l, err := sfnlocal.Listen(srv, o.Listen, o.Wrap)
	if err != nil {
		return nil, errors.Join(err, srv.Close())
	}
	e := &Endpoint{Server: srv, URL: l.URL, listener: l, AWS: stepfunctions.Config{
		Region: Region, EndpointURL: l.URL, AllowInsecureEndpoint: true,
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	}}
	if e.Client, err = stepfunctions.NewClient(ctx, e.AWS); err != nil {
		return nil, errors.Join(err, e.Stop())
	}
	if err := e.provision(ctx); err != nil {
		return nil, errors.Join(err, e.Stop())
	}
	return e, nil
}

// provision creates the approval activity and the shipped state machine; both are kept by a
// state file, so a restarted endpoint finds them.
func (e *Endpoint) provision(ctx context.Context) error {
	act, err := e.Client.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String(ActivityName)})
	if err != nil {
		return fmt.Errorf("CreateActivity %s: %w", ActivityName, err)
	}
	e.ActivityARN = aws.ToString(act.ActivityArn)
	e.MachineARN, err = e.CreateMachine(ctx, MachineName, approvalmachine.ShippedPath)
	return err
}

// CreateMachine creates a state machine from a definition in the project (its placeholders
// filled with the environment's activity and no notification topic). A machine of that name
// kept from an earlier run is reused.
func (e *Endpoint) CreateMachine(ctx context.Context, name, path string) (string, error) {
	file, err := ProjectFile(path)
	if err != nil {
		return "", err
	}
	def, err := approvalmachine.Load(file, map[string]string{
		approvalmachine.ActivityArnPlaceholder: e.ActivityARN,
		approvalmachine.TopicArnPlaceholder:    "",
	})
	if err != nil {
		return "", err
	}
	out, err := e.Client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name: aws.String(name), Definition: aws.String(string(def)),
		RoleArn: aws.String("arn:aws:iam::" + Account + ":role/tollgate-approval"),
	})
	var exists *sfntypes.StateMachineAlreadyExists
	switch {
	case err == nil:
		return aws.ToString(out.StateMachineArn), nil
	case errors.As(err, &exists):
		return "arn:aws:states:" + Region + ":" + Account + ":stateMachine:" + name, nil
	}
	return "", fmt.Errorf("CreateStateMachine %s: %w", name, err)
}

// Stop releases the long polls, saves the state and stops serving.
func (e *Endpoint) Stop() error {
	return e.listener.Close()
}
