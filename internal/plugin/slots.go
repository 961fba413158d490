package plugin

import (
	"encoding/json"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
)

// readingOf is the request as the plugin reads it (approval.Read: its slots, what it waits
// for, who may act now), counting every decision its ledger shows: the operator verifies them,
// the plugin shows what the request shows.
func readingOf(req *v1.ApprovalRequest) approval.Reading {
	return approval.Read(req, approval.Recorded)
}

// openSlotsFor lists the slots p may decide now (approval.Reading.OpenTo). The cluster's RBAC
// (verb approve) is not asked: the webhook asks it when the decision is sent.
func openSlotsFor(req *v1.ApprovalRequest, p person) []approval.SlotReading {
	return readingOf(req).OpenTo(p.Username, p.Groups, requesterOf(req))
}

// decidedBy returns the slot p already decided on req, if any: one person counts once.
func decidedBy(req *v1.ApprovalRequest, p person) (approval.SlotReading, bool) {
	return readingOf(req).DecidedBy(p.Username)
}

// slotNames lists the names of slots.
func slotNames(slots []approval.SlotReading) []string {
	out := make([]string, 0, len(slots))
	for _, s := range slots {
		out = append(out, s.Name)
	}
	return out
}

// requesterOf is who created the request, as tollgate's admission webhook recorded it.
func requesterOf(req *v1.ApprovalRequest) string {
	return recordedBy(req.Annotations[v1.RequesterAnnotation])
}

// recordedBy reads who a record of tollgate's admission webhook names ("" when there is no
// record). The record's signature is the operator's to verify: the plugin only shows the name.
func recordedBy(record string) string {
	var rec struct {
		By struct {
			Username string `json:"username"`
		} `json:"by"`
	}
	if err := json.Unmarshal([]byte(record), &rec); err != nil {
		return ""
	}
	return rec.By.Username
}
