package controller_test

import (
	"encoding/json"
	"net/http/httptest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tollgate-dev/tollgate/internal/approval"
	"github.com/tollgate-dev/tollgate/internal/stepfunctions"
)

// Tasks that reach the operator without a request of its own behind them.
var _ = Describe("Activity tasks the operator does not own", func() {
	var op *runningOperator
	BeforeEach(func() { op = startOperator(stepfunctions.Wrap(sfnLocal.client, nil)) })
	AfterEach(func() { op.stop() })

	// startForeign starts an execution of the shipped machine directly, as another installation
	// (or a person with the console) would. It expires in a day, on Step Functions' clock (AWS
	// fails a Wait more than 68 years ahead at once: "Wait state delay is too long.").
	startForeign := func(name, cluster, namespace, request string) string {
		expires := sfnLocal.clock.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
		in := map[string]any{
			"tollgate": map[string]any{
				"version": approval.ContractVersion, "cluster": cluster, "namespace": namespace, "name": request, "uid": "no-such-uid",
				"requiredApprovals": 1, "approverCount": 1, "expiresAt": expires, "heartbeatSeconds": 300,
			},
			"description": "started outside this cluster",
			"approvers":   []map[string]string{{"name": "alice"}},
			"payload":     map[string]any{},
		}
		b, err := json.Marshal(in)
		Expect(err).NotTo(HaveOccurred())
		out, err := sfnLocal.client.StartExecution(ctx, &sfn.StartExecutionInput{
			StateMachineArn: aws.String(sfnLocal.shippedARN), Name: aws.String(name), Input: aws.String(string(b)),
		})
		Expect(err).NotTo(HaveOccurred())
		return aws.ToString(out.ExecutionArn)
	}
	status := func(arn string) func() sfntypes.ExecutionStatus {
		return func() sfntypes.ExecutionStatus {
			out, err := sfnLocal.client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
			Expect(err).NotTo(HaveOccurred())
			return out.Status
		}
	}

	It("fails back a task whose request does not exist, so its execution ends", func() {
		arn := startForeign("orphan", testClusterID, "default", "never-created")
		Eventually(status(arn), settle).Should(Equal(sfntypes.ExecutionStatusFailed))
		Expect(op.router.Ready(httptest.NewRequest("GET", "/readyz", nil))).To(Succeed())
	})

	It("never answers a task of another installation, and says so in readiness", func() {
		arn := startForeign("foreign", "some-other-cluster", "default", "theirs")
		Eventually(func() error { return op.router.Ready(httptest.NewRequest("GET", "/readyz", nil)) }, settle).
			Should(MatchError(ContainSubstring(`belongs to cluster "some-other-cluster"`)))
		Consistently(status(arn), "1s").Should(Equal(sfntypes.ExecutionStatusRunning))
		_, err := sfnLocal.client.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: aws.String(arn)})
		Expect(err).NotTo(HaveOccurred())
	})
})
