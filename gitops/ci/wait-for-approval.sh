#!/usr/bin/env bash
# wait-for-approval.sh NAMESPACE NAME [INTERVAL_SECONDS]
#
# For CI pipelines that deploy by themselves: waits until the ApprovalRequest NAME
# (approvalrequests.approvals.tollgate.dev) in NAMESPACE is approved, and exits 0; exits 1 with
# the request's message as soon as it ended any other way (rejected, expired, aborted, failed)
# or Step Functions refuses its start (Stalled). `kubectl wait --for=condition=Approved` does the
# first half alone, but waits until its --timeout on a rejection. The request must exist (a
# failing kubectl ends the script with its error). Needs kubectl and read access to the request
# (the tollgate-viewer role); wrap it in `timeout` to bound the wait.
set -euo pipefail
if [[ $# -lt 2 ]]; then
  echo "usage: $0 NAMESPACE NAME [INTERVAL_SECONDS]" >&2
  exit 2
fi
ns=$1 req=approvalrequests.approvals.tollgate.dev/$2 interval=${3:-10}
conditions='{.status.conditions[?(@.type=="Ready")].status}|{.status.conditions[?(@.type=="Stalled")].status}|{.status.conditions[?(@.type=="Stalled")].message}'
while :; do
  state=$(kubectl -n "$ns" get "$req" -o jsonpath="$conditions")
  IFS='|' read -r ready stalled message <<<"$state"
  if [[ $ready == True ]]; then
    echo "$req is approved"
    exit 0
  fi
  if [[ $stalled == True ]]; then
    echo "$req is not approved: $message" >&2
    exit 1
  fi
  sleep "$interval"
done
