package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/tollgate-dev/tollgate/internal/approvalmachine"
	"github.com/tollgate-dev/tollgate/internal/stepfunctions"
)

const (
	region       = "us-east-1"
	account      = "123456789012"
	activityName = "tollgate-approvals"
	machineName  = "tollgate-approval"
)

// newSFNClient is the real AWS SDK client, pointed at the local endpoint with dummy static
// credentials (the local endpoint does not check signatures).
func newSFNClient(ctx context.Context, url string) (*sfn.Client, stepfunctions.Config, error) {
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": "demo", "AWS_SECRET_ACCESS_KEY": "demo"} {
		if os.Getenv(k) == "" {
			_ = os.Setenv(k, v)
		}
	}
	// A shared profile of the person running the demo must not leak in.
	_ = os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	cfg := stepfunctions.Config{Region: region, EndpointURL: url, AllowInsecureEndpoint: true}
	c, err := stepfunctions.NewClient(ctx, cfg)
	return c, cfg, err
}

// provision creates the approval activity and the shipped state machine (both idempotent)
// and returns their ARNs.
func provision(ctx context.Context, c *sfn.Client) (activityARN, machineARN string, err error) {
	act, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String(activityName)})
	if err != nil {
		return "", "", fmt.Errorf("CreateActivity %s: %w", activityName, err)
	}
	activityARN = aws.ToString(act.ActivityArn)
	say("activity %s", activityARN)

	definition, err := approvalmachine.LoadShipped(activityARN, "")
	if err != nil {
		return "", "", fmt.Errorf("loading the shipped state machine (%s): %w", approvalmachine.ShippedPath, err)
	}
	roleARN := fmt.Sprintf("arn:aws:iam::%s:role/tollgate-demo", account)
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name: aws.String(machineName), Definition: aws.String(string(definition)), RoleArn: aws.String(roleARN),
	})
	var exists *sfntypes.StateMachineAlreadyExists
	switch {
	case err == nil:
		machineARN = aws.ToString(sm.StateMachineArn)
		say("state machine %s (from %s)", machineARN, approvalmachine.ShippedPath)
	case errors.As(err, &exists):
		// Kept by the state file with an older definition: reuse it, and say so.
		machineARN = fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", region, account, machineName)
		d, derr := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(machineARN)})
		if derr != nil {
			return "", "", fmt.Errorf("CreateStateMachine: %w; DescribeStateMachine: %w", err, derr)
		}
		say("state machine %s kept from an earlier run (created %s); its definition differs from %s: rm -rf the state dir for a fresh one",
			machineARN, aws.ToTime(d.CreationDate).Format("2006-01-02 15:04:05"), approvalmachine.ShippedPath)
	default:
		return "", "", fmt.Errorf("CreateStateMachine %s: %w", machineName, err)
	}
	return activityARN, machineARN, nil
}
