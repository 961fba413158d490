// Package ledger will be the one writer of an ApprovalRequest's status (issue 22). This sitting
// it holds the pure end transition (End); the plan below says what moves here next and why.
//
// Status writers today (grep -n 'Status()' -r internal/, request status only):
//   - controller.commit (ledger.go): the read-change-write loop, retried on conflict up to 40
//     times, returning the stored object. Used by statusWriter.commit (start of the execution,
//     a delivered decision) and TaskRouter.patchLatest (a token received, an outcome reported).
//   - controller.statusWriter.flush (status.go): the reconciler's patch of what its steps
//     changed (recorded decisions, then conclude's derived fields and end; confirmEnd's verdict).
//   - (controller.reportDecisions writes ApproverDecision status, another kind: not the ledger.)
//
// Ends are written from four places, each with its own idea of an end: conclude (an end
// follow or the expiry stop recorded, closed and announced before its flush), outcome in the
// activity router (settle and completeEnd inside commit's change function, which may run up to
// 40 times and untracks tokens on every run), confirmEnd (settle and completeEnd before its
// flush) and summarize (the conditions). delivery untracks a token before the write that says
// it was sent; conclude emits the end's Event before its write, so a conflict emits it twice.
//
// The plan, in steps that each keep every spec green:
//  1. Reasons of conditions and events are constants in api/v1alpha1.
//  2. Durable fields that others react to (notified, reminded, escalated per slot; expiry
//     warned and ended per request), written only here.
//  3. End: a pure function of the verified ledger and the execution's verified outcome giving
//     the phase, its reason and message, and the slots it closes — table-tested for every end.
//     The controller's settle/completeEnd/closeSlots become calls of it.
//  4. Commit moves here: change functions only edit status; what must happen once (Events,
//     untracking tokens, metrics) is returned as effects and run by Commit after the write that
//     made them durable, never on a retry that did not write.
//  5. A lint rule (forbidigo on Status().Patch/Update outside this package) keeps it the only
//     writer; a reader's view (what a request waits for, who may act) feeds describe, the
//     printer columns and the conditions' messages.
package ledger
