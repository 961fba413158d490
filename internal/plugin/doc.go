// Package plugin is `kubectl tollgate`, the kubectl plugin for people who decide
// ApprovalRequests: list what they can decide, describe a request, approve or reject it as
// themselves (an ApproverDecision, which tollgate's admission webhook binds to the request and
// to the person the API server authenticated), and wait for a request's outcome with an exit
// code a script can branch on (see ExitApproved and the codes after it).
//
// The plugin talks to the API server only, as the kubeconfig's user (or whoever --as names):
// it never decides anything itself. What it checks before sending a decision (a request that
// already ended, a slot already decided, which slot is the person's) is for a clear message;
// the admission webhook remains the judge, and its refusal is shown as it gives it.
//
// It depends on the API types and on internal/approval's pure helpers, never on the
// controller or the webhooks (.golangci.yml's depguard keeps it so).
package plugin
