package stepfunctions

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/go-logr/logr"
)

// CallerIdentity is who the operator's AWS credentials are (sts:GetCallerIdentity, which needs
// no permission): with IRSA or EKS Pod Identity, an assumed-role session of the operator's role.
// The SDK's default chain falls back to the node's instance role when neither gives the pod
// credentials, so the operator says at start which identity it runs as (and, with
// ExpectRoleARN, refuses to run as another).
func CallerIdentity(ctx context.Context, cfg Config) (string, error) {
	awsCfg, err := loadAWSConfig(ctx, cfg)
	if err != nil {
		return "", err
	}
	client := sts.NewFromConfig(awsCfg, func(o *sts.Options) {
		if cfg.STSEndpointURL != "" {
			o.BaseEndpoint = aws.String(cfg.STSEndpointURL)
		}
	})
	out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", fmt.Errorf("asking STS who the operator's AWS credentials are (sts:GetCallerIdentity): %w", err)
	}
	return aws.ToString(out.Arn), nil
}

// IsRole checks that caller (an ARN GetCallerIdentity returned) is a session of the IAM role
// roleARN: "arn:aws:sts::<account>:assumed-role/<name>/<session>" for the role
// "arn:aws:iam::<account>:role/<path/><name>" (a session's ARN drops the role's path).
func IsRole(caller, roleARN string) error {
	role, err := arn.Parse(roleARN)
	if err != nil || role.Service != "iam" || !strings.HasPrefix(role.Resource, "role/") {
		return fmt.Errorf("--aws-expect-role-arn %q is not the ARN of an IAM role", roleARN)
	}
	name := role.Resource[strings.LastIndex(role.Resource, "/")+1:]
	session, err := arn.Parse(caller)
	parts := strings.Split(session.Resource, "/")
	if err != nil || session.Service != "sts" || len(parts) != 3 || parts[0] != "assumed-role" ||
		parts[1] != name || session.AccountID != role.AccountID || session.Partition != role.Partition {
		return fmt.Errorf("the operator's AWS credentials are %s, not a session of the role %s: with IRSA or EKS Pod Identity misconfigured the SDK falls back to other credentials (the node's instance role); see the install guide", caller, roleARN)
	}
	return nil
}

// CheckIdentity says which AWS identity the operator runs as (an info log), and with
// ExpectRoleARN refuses any other. Against a plain-http local endpoint without an STS endpoint
// (the tests, the demo) there is no AWS identity to ask. When STS cannot be asked and no role is
// expected, it logs the error and lets the operator start: its Step Functions calls will say
// whether the credentials work.
func (c Config) CheckIdentity(ctx context.Context, log logr.Logger) error {
	if c.AllowInsecureEndpoint && strings.HasPrefix(c.EndpointURL, "http://") && c.STSEndpointURL == "" {
		if c.ExpectRoleARN != "" {
			return fmt.Errorf("--aws-expect-role-arn is set, and Step Functions is the local endpoint %s: there is no AWS identity to check (set --aws-sts-endpoint-url)", c.EndpointURL)
		}
		log.Info("Step Functions is a local endpoint: no AWS identity to check", "endpoint", c.EndpointURL)
		return nil
	}
	who, err := CallerIdentity(ctx, c)
	if err != nil {
		if c.ExpectRoleARN != "" {
			return err
		}
		log.Error(err, "could not tell which AWS identity the operator runs as")
		return nil
	}
	log.Info("the operator's AWS identity (sts:GetCallerIdentity)", "arn", who, "expected", c.ExpectRoleARN)
	if c.ExpectRoleARN != "" {
		return IsRole(who, c.ExpectRoleARN)
	}
	return nil
}
