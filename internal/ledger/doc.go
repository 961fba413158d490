// Package ledger is the one writer of tollgate's status (issue 22): ApprovalRequests' — the
// ledger of decisions and ends that everything else reacts to — ApproverDecisions', and the
// Ready condition of NotificationConfigs and ClusterNotificationConfigs (SetConfigCondition). A
// lint rule (forbidigo in .golangci.yml) refuses a status write anywhere else.
//
//   - Commit is the read-change-write loop that retries on conflict and returns the request as
//     stored; Patch is one guarded write (the reconciler's flush). A change function may run
//     many times: it only edits status. What must happen once — events, giving up task tokens —
//     runs after the write that made it durable.
//   - Decide and End.Apply are a request's end as one pure transition, from the verified ledger
//     and the execution's verified outcome: phase, reason, message, conditions, slots closed,
//     status.ended, and the events that announce it. Recorded and Restate give a later
//     reconcile the end's words as they were written (status.ended; for a request ended
//     before status.ended existed, what its conditions kept), so no second idea of an end
//     lives in the controller.
//
// The reader's view — what a request waits for and who may act now — is approval.Read
// (internal/approval/reading.go), pure, so the plugin reads it too: summarize writes it
// (status.approvals, status.waitingFor, the AwaitingApprovals message) through this package,
// and the plugin's list, describe, wait and approve read the same.
//
// Still to come: the follow-up fields (api/v1alpha1/followup_types.go) written through
// functions here by the notifier (issue 25) and the timers. The reconciler's statusWriter stays
// in internal/controller: it holds one reconcile's object and calls Patch and Commit.
package ledger
