package gitops

import (
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

// outcome is one state a request can be in, as the operator produces it, and what each tool
// must make of it. file names the object in the Argo CD check's testdata (testdata/<file>.yaml).
type outcome struct {
	file    string
	request string // named after the version it gates, as the examples do
	drive   driver
	argo    string        // Argo CD health: Healthy, Progressing or Degraded
	kstatus status.Status // what both kstatus libraries compute (Flux's wait: true)
	cel     status.Status // what the shipped healthCheckExprs give in Flux's order
}

// outcomes are every state the tests produce. A request nobody has reconciled yet has no
// status of the operator's, only the CRD's default (observedGeneration 0): every tool must
// see it in progress, never ready.
var outcomes = []outcome{
	{file: "progressing_noStatus", request: "deploy-payments-v40", drive: driver{},
		argo: "Progressing", kstatus: status.InProgressStatus, cel: status.InProgressStatus},
	{file: "progressing_pending", request: "deploy-payments-v41", drive: pending,
		argo: "Progressing", kstatus: status.InProgressStatus, cel: status.InProgressStatus},
	{file: "healthy_approved", request: "deploy-payments-v42", drive: approved,
		argo: "Healthy", kstatus: status.CurrentStatus, cel: status.CurrentStatus},
	{file: "degraded_rejected", request: "deploy-payments-v43", drive: rejected,
		argo: "Degraded", kstatus: status.FailedStatus, cel: status.FailedStatus},
	{file: "degraded_expired", request: "deploy-payments-v44", drive: expired,
		argo: "Degraded", kstatus: status.FailedStatus, cel: status.FailedStatus},
	{file: "degraded_aborted", request: "deploy-payments-v45", drive: aborted,
		argo: "Degraded", kstatus: status.FailedStatus, cel: status.FailedStatus},
	{file: "degraded_failed", request: "deploy-payments-v46", drive: failed,
		argo: "Degraded", kstatus: status.FailedStatus, cel: status.FailedStatus},
	{file: "degraded_startBlocked", request: "deploy-payments-v47", drive: startBlocked,
		argo: "Degraded", kstatus: status.FailedStatus, cel: status.FailedStatus},
	{file: "progressing_policyNotFound", request: "deploy-payments-v48", drive: policyNotFound,
		argo: "Progressing", kstatus: status.InProgressStatus, cel: status.InProgressStatus},
}
