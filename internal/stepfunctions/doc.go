// Package stepfunctions is tollgate's client layer for AWS Step Functions.
//
// It knows nothing of Kubernetes types nor of which server answers: it builds
// an SDK client from the operator's flags (NewClient), narrows it to the calls
// tollgate makes (API), classifies errors once (Classify, RefusesInput),
// rate-limits and instruments every call (Wrap, Limiter, metrics), speaks to it
// in the lifecycle's words (Engine), works the approval activity (Poller) and
// keeps the task tokens it holds alive (Heartbeater).
//
// The controller only ever holds an Engine (NewEngine over the API returned by
// Wrap): the SDK's inputs and types stay in this package.
package stepfunctions
