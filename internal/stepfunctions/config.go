package stepfunctions

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Defaults for Config.
const (
	DefaultSessionName    = "tollgate"
	DefaultMaxAttempts    = 3
	DefaultMaxRetryDelay  = 5 * time.Second
	defaultRateLimitScale = 1.0
)

// Config is how the operator reaches Step Functions. The zero value plus a
// region from the environment is a valid production setup: credentials come
// from the SDK's default chain (environment, shared profile, IRSA web
// identity, EKS Pod Identity, instance metadata).
type Config struct {
	// Region overrides the region from the environment or shared config.
	Region string
	// EndpointURL overrides the Step Functions endpoint (a VPC endpoint, a
	// local Step Functions). Plain http is refused unless AllowInsecureEndpoint.
	EndpointURL string
	// AllowInsecureEndpoint permits an http:// EndpointURL (local testing only).
	AllowInsecureEndpoint bool
	// AssumeRoleARN, when set, is assumed through STS on top of the default
	// credential chain; the temporary credentials are cached and refreshed.
	AssumeRoleARN string
	// ExternalID is passed to sts:AssumeRole when the role's trust policy requires one.
	ExternalID string
	// SessionName is the role session name (DefaultSessionName when empty).
	SessionName string
	// MaxAttempts bounds the SDK's own retries per call (DefaultMaxAttempts
	// when 0). Kept small: the operator requeues with its own backoff.
	MaxAttempts int
	// RateLimitScale multiplies every default rate limit (see Limits); 0 means 1.
	RateLimitScale float64
	// STSEndpointURL overrides the STS endpoint the operator asks who it is (a regional or VPC
	// endpoint); ExpectRoleARN, when set, is the role the operator must run as.
	STSEndpointURL string
	ExpectRoleARN  string
	// Credentials replaces the default credential chain (no flag: for a local endpoint, which
	// takes any signature, in tests and the demo).
	Credentials aws.CredentialsProvider
}

// BindFlags registers the --aws-* flags on fs, writing into c.
func (c *Config) BindFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Region, "aws-region", c.Region,
		"AWS region of the Step Functions state machine and activity. "+
			"Defaults to AWS_REGION or the shared config profile's region.")
	fs.StringVar(&c.EndpointURL, "aws-endpoint-url", c.EndpointURL,
		"Override the Step Functions endpoint URL, e.g. a VPC interface endpoint or a local Step Functions. "+
			"Must be https unless --aws-allow-insecure-endpoint is set.")
	fs.BoolVar(&c.AllowInsecureEndpoint, "aws-allow-insecure-endpoint", c.AllowInsecureEndpoint,
		"Allow a plain http:// --aws-endpoint-url. Request signatures and task tokens then travel unencrypted: "+
			"for local testing only.")
	fs.StringVar(&c.AssumeRoleARN, "aws-assume-role-arn", c.AssumeRoleARN,
		"ARN of an IAM role to assume (sts:AssumeRole) on top of the default credential chain "+
			"(IRSA, EKS Pod Identity, environment, shared profile), e.g. to reach Step Functions in another account.")
	fs.StringVar(&c.ExternalID, "aws-external-id", c.ExternalID,
		"External ID to present when assuming --aws-assume-role-arn, if the role's trust policy requires one.")
	fs.StringVar(&c.SessionName, "aws-role-session-name", c.SessionName,
		"Role session name when assuming --aws-assume-role-arn (default \""+DefaultSessionName+"\"); shows in CloudTrail.")
	fs.StringVar(&c.STSEndpointURL, "aws-sts-endpoint-url", c.STSEndpointURL,
		"Override the STS endpoint the operator asks at start which identity it runs as (sts:GetCallerIdentity), e.g. a VPC interface endpoint.")
	fs.StringVar(&c.ExpectRoleARN, "aws-expect-role-arn", c.ExpectRoleARN,
		"ARN of the IAM role the operator must run as (the stack's OperatorRoleArn). At start it asks STS who it is and refuses to run "+
			"as anything else — e.g. the node's instance role, which the SDK falls back to when IRSA or EKS Pod Identity is misconfigured.")
	fs.Float64Var(&c.RateLimitScale, "aws-rate-scale", defaultRateLimitScale,
		"Scale factor applied to every client-side Step Functions rate limit. The defaults follow AWS's quotas "+
			"for large regions; use e.g. 0.5 in regions or accounts with lower quotas, or when several installations share an account.")
}

// Validate checks the configuration without touching the network.
func (c *Config) Validate() error {
	if c.RateLimitScale < 0 {
		return fmt.Errorf("--aws-rate-scale must be positive (0 means 1), got %v", c.RateLimitScale)
	}
	if c.MaxAttempts < 0 {
		return fmt.Errorf("SDK max attempts must not be negative, got %d", c.MaxAttempts)
	}
	if c.ExternalID != "" && c.AssumeRoleARN == "" {
		return errors.New("--aws-external-id is set without --aws-assume-role-arn")
	}
	if c.EndpointURL == "" {
		return nil
	}
	u, err := url.Parse(c.EndpointURL)
	if err != nil {
		return fmt.Errorf("--aws-endpoint-url %q: %w", c.EndpointURL, err)
	}
	switch {
	case u.Host == "":
		return fmt.Errorf("--aws-endpoint-url %q: not an absolute URL with a host", c.EndpointURL)
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && c.AllowInsecureEndpoint:
		return nil
	case u.Scheme == "http":
		return fmt.Errorf("--aws-endpoint-url %q is plain http: set --aws-allow-insecure-endpoint to allow it (local testing only)", c.EndpointURL)
	default:
		return fmt.Errorf("--aws-endpoint-url %q: scheme must be https", c.EndpointURL)
	}
}

// Limits returns the default rate limits scaled by RateLimitScale.
func (c *Config) Limits() Limits {
	if c.RateLimitScale == 0 {
		return DefaultLimits()
	}
	return DefaultLimits().Scale(c.RateLimitScale)
}

// NewClient validates cfg and builds a Step Functions client from the default
// credential chain, with cfg's region, endpoint, assumed role and a small SDK
// retry budget. Wrap it before handing it to the controller.
func NewClient(ctx context.Context, cfg Config) (*sfn.Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	awsCfg, err := loadAWSConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return sfn.NewFromConfig(awsCfg, func(o *sfn.Options) {
		if cfg.EndpointURL != "" {
			o.BaseEndpoint = aws.String(cfg.EndpointURL)
		}
	}), nil
}

func loadAWSConfig(ctx context.Context, cfg Config) (aws.Config, error) {
	maxAttempts := cfg.MaxAttempts
	if maxAttempts == 0 {
		maxAttempts = DefaultMaxAttempts
	}
	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = maxAttempts
				o.MaxBackoff = DefaultMaxRetryDelay
			})
		}),
	}
	if cfg.Region != "" {
		opts = append(opts, config.WithRegion(cfg.Region))
	}
	if cfg.Credentials != nil {
		opts = append(opts, config.WithCredentialsProvider(cfg.Credentials))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("loading AWS configuration: %w", err)
	}
	if awsCfg.Region == "" {
		return aws.Config{}, errors.New("no AWS region: set --aws-region or AWS_REGION")
	}
	if cfg.AssumeRoleARN != "" {
		sessionName := cfg.SessionName
		if sessionName == "" {
			sessionName = DefaultSessionName
		}
		provider := stscreds.NewAssumeRoleProvider(sts.NewFromConfig(awsCfg), cfg.AssumeRoleARN,
			func(o *stscreds.AssumeRoleOptions) {
				o.RoleSessionName = sessionName
				if cfg.ExternalID != "" {
					o.ExternalID = aws.String(cfg.ExternalID)
				}
			})
		awsCfg.Credentials = aws.NewCredentialsCache(provider)
	}
	return awsCfg, nil
}
