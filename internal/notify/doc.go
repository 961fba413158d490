// Package notify tells people about ApprovalRequests: each open slot's people when their task
// token arrives (what is asked, by whom, until when, and exactly how to decide), and the
// requester when the request ends and why. It is the delivery layer beside the ledger, never
// inside it: it decides nothing, and nothing it does or fails to do changes a request.
//
// Its parts are pure but for the senders:
//   - Message, built from a request (Waiting, Ended), carries no task token and no secret;
//   - Resolve turns the administrators' NotificationConfigs and ClusterNotificationConfigs into
//     Destinations (a request picks a route by name, never a destination);
//   - the renderers write a Message for each channel's format, escaping what users wrote: an
//     RFC 5322 mail whose headers no text can add to, a CloudEvent in JSON;
//   - Schedule says when a failed delivery is tried again (Due reads what was recorded);
//   - Notifier.Send makes one attempt per Destination, over SMTP or a signed webhook, and
//     returns a Result per Destination (when, which attempt, the failure with every secret
//     value taken out) for the caller to record.
//
// The caller watches requests and records Results in their status through the ledger's API:
// before an attempt it records the attempt with the failure AttemptInFlight, so that a restart
// between a send and its record waits for the retry's time instead of sending again at once.
// It never imports internal/controller (.golangci.yml's depguard keeps it so).
package notify
