// Package approval holds tollgate's pure approval logic: the tally and its verdict, the
// Step Functions contract's JSON documents (execution input, activity task input, decision
// output), the decision annotations' grammar, and the mapping from an execution's end to a
// request's phase. It performs no I/O; the controller composes it.
package approval
