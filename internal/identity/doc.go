// Package identity is tollgate's answer to "who may decide": the one check every decision
// passes (at admission, in the webhook, and again in the controller before a decision is
// recorded), and the signed records through which the admission webhook tells the controller
// what it admitted.
//
// A decision counts only when the right person makes it, once, for this request:
//   - the person is one of the slot's users or in one of its groups, and the cluster's
//     authorizer grants them the verb `approve` on the request (a SubjectAccessReview, as
//     Kubernetes asks of CertificateSigningRequest approvers);
//   - the requester does not decide their own request unless its policy allows it;
//   - one person fills at most one slot of a request;
//   - the decision is bound to the request's UID, so it never counts for a namesake.
//
// The webhook writes what it admitted as a Record signed with a key only the operator and its
// webhook hold (HMAC-SHA256). The controller records and delivers only decisions whose record
// verifies, so a client that bypasses the webhook — or writes status by hand — decides nothing.
package identity
