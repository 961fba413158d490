// Package notifier is the part of the manager that tells people about ApprovalRequests (issue
// 25): each open slot's people once the slot's task token arrived, and the requester once the
// request ended. It sits beside the ledger, never inside it: its own controller, workqueue and
// workers, reacting only to the status fields the ledger writes (a slot's tokenReceivedAt and
// decision, the request's ended) and never to an Event; nothing it does or fails to do changes a
// decision, and no decision waits for it.
//
// Each pass over a request (Watcher.Reconcile), Gather after it changed or when a retry falls
// due:
//   - plan: the notifications due (ledger.Due), resolved into destinations by the
//     administrators' objects (internal/notify's Resolve) and matched against what status
//     records of them (Schedule.Due): never attempted, or a retry whose time has come;
//   - claim: each attempt is recorded before it is made (failure notify.AttemptInFlight, with
//     the time its retry is due), in one commit through ledger.RecordNotified, which writes a
//     claim only while the stored record still shows the attempts the plan was made from;
//   - send: the claimed attempts only, with a timeout each (notify.Notifier);
//   - record: each outcome replaces its claim; failures are Warning events and the metric;
//   - wake: the request is queued again when the earliest retry falls due, by the injected
//     clock.
//
// The claim is what makes a restart safe: a notification whose token is held and that status
// does not record as attempted goes out after a restart (nothing is lost), and an attempt whose
// outcome was not recorded (the manager stopped between the claim and the record) is found in
// flight and waits for its retry's time instead of going out again at once (no second message
// within the retry window).
//
// Beside the watcher, the ConfigChecker gives each NotificationConfig and
// ClusterNotificationConfig a Ready condition: whether the manager may read every Secret its
// channels name and finds in each what its channel reads, checked as the manager itself when the
// object changes and again every period by the same clock — before any request needs them.
package notifier
