#!/usr/bin/env bash
# wait-for-approval.sh NAMESPACE NAME [INTERVAL_SECONDS]
#
# For CI pipelines that deploy by themselves: waits until the ApprovalRequest NAME
# (approvalrequests.approvals.tollgate.dev) in NAMESPACE is approved, and exits 0; exits 1 with
# the request's message as soon as it ended any other way (rejected, expired, aborted, failed)
# or Step Functions refuses its start (Stalled). `kubectl wait --for=condition=Approved` does the
# first half alone, but waits until its --timeout on a rejection. It follows the request it
# started on, by its UID: a request deleted and created again under the same name (by its
# creator, with approvers of their choosing) is another request, and the script exits 1 saying
# so instead of reporting the new one's outcome. The request must exist (a failing kubectl ends
# the script with its error). Needs kubectl and read access to the request (the tollgate-viewer
# role); wrap it in `timeout` to bound the wait.
set -euo pipefail
if [[ $# -lt 2 ]]; then
  echo "usage: $0 NAMESPACE NAME [INTERVAL_SECONDS]" >&2
  exit 2
fi
ns=$1 req=approvalrequests.approvals.tollgate.dev/$2 interval=${3:-10}
fields='{.metadata.uid}|{.status.conditions[?(@.type=="Ready")].status}|{.status.conditions[?(@.type=="Stalled")].status}|{.status.conditions[?(@.type=="Stalled")].message}'
uid=
while :; do
  if ! state=$(kubectl -n "$ns" get "$req" -o jsonpath="$fields" 2>&1); then
    [[ -n $uid ]] && echo "$req (uid $uid) was deleted before it had an outcome: $state" >&2 || echo "$state" >&2
    exit 1
  fi
  IFS='|' read -r now ready stalled message <<<"$state"
  if [[ -z $uid ]]; then
    uid=$now
    echo "waiting for $req (uid $uid)"
  elif [[ $now != "$uid" ]]; then
    echo "$req was replaced: the request this wait started on (uid $uid) was deleted and another of the same name (uid $now) created; its outcome is not this one's" >&2
    exit 1
  fi
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
