package plugin_test

import (
	"encoding/json"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/yaml"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/plugin"
)

// described is what a program reads of `describe -o json|yaml`.
type described struct {
	Name         string   `json:"name"`
	Phase        v1.Phase `json:"phase"`
	RequestedBy  string   `json:"requestedBy"`
	ExecutionARN string   `json:"executionARN"`
	Approvers    []struct {
		Slot      string      `json:"slot"`
		Decision  v1.Decision `json:"decision"`
		DecidedBy string      `json:"decidedBy"`
		Comment   string      `json:"comment"`
	} `json:"approvers"`
	Decisions []struct {
		Name  string           `json:"name"`
		Phase v1.DecisionPhase `json:"phase"`
	} `json:"decisions"`
	Timeline []struct {
		What string `json:"what"`
	} `json:"timeline"`
}

func TestDescribe(t *testing.T) {
	ns := newNamespace(t)
	req := createRequest(t, ns, "deploy", byUser("alice", alice), bySecurityGroup("security"))
	expect(t, run(t, cmd(ns, as(alice), "approve", "deploy", "-m", "lgtm")...), plugin.ExitApproved)
	expect(t, run(t, cmd(ns, as(carol, securityGroup), "reject", "deploy", "-m", "CVE open")...), plugin.ExitApproved)
	done := eventually(t, req, "rejected, with its conditions", func(r *v1.ApprovalRequest) bool {
		return r.Status.Phase == v1.PhaseRejected && meta.IsStatusConditionTrue(r.Status.Conditions, v1.ConditionStalled)
	})

	r := run(t, cmd(ns, as(mallory), "describe", "deploy")...)
	expect(t, r, plugin.ExitApproved, "Requested by:  ravi@example.com", "Phase:         Rejected", done.Status.ExecutionARN,
		"alice@example.com", "lgtm", "group security-oncall", "carol@example.com", "CVE open", "Conditions:", "Stalled", "Timeline:",
		"created by ravi@example.com", "Step Functions execution started", "delivered to Step Functions")

	for _, format := range []string{"json", "yaml"} {
		r := run(t, cmd(ns, as(mallory), "describe", "deploy", "-o", format)...)
		expect(t, r, plugin.ExitApproved)
		var d described
		var err error
		if format == "json" {
			err = json.Unmarshal([]byte(r.stdout), &d)
		} else {
			err = yaml.Unmarshal([]byte(r.stdout), &d)
		}
		if err != nil {
			t.Fatalf("-o %s does not parse back: %v", format, err)
		}
		if d.Name != "deploy" || d.Phase != v1.PhaseRejected || d.RequestedBy != ravi || d.ExecutionARN != done.Status.ExecutionARN {
			t.Errorf("-o %s: %+v", format, d)
		}
		if len(d.Approvers) != 2 || d.Approvers[0].DecidedBy != alice || d.Approvers[0].Comment != "lgtm" ||
			d.Approvers[1].DecidedBy != carol || d.Approvers[1].Decision != v1.DecisionReject {
			t.Errorf("-o %s approvers: %+v", format, d.Approvers)
		}
		if len(d.Decisions) != 2 || len(d.Timeline) < 5 {
			t.Errorf("-o %s: %d decisions, %d timeline events", format, len(d.Decisions), len(d.Timeline))
		}
	}
	expect(t, run(t, cmd(ns, as(mallory), "describe", "nope")...), plugin.ExitError, `"nope" not found`)
}

// describe says what a request waits for and whether the plugin's user may decide it now, from
// the reading list and the operator's waitingFor column use (approval.Read): a decision sent a
// moment ago counts as made, the requester decides nothing, and an ended request waits for
// nothing and takes no decision.
func TestDescribeSaysWhatItWaitsForAndWhoMayActNow(t *testing.T) {
	ns := newNamespace(t)
	req := createRequest(t, ns, "deploy", byUser("alice", alice), bySecurityGroup("security"))
	eventually(t, req, "both tokens held", func(r *v1.ApprovalRequest) bool {
		return slotStatus(r, "alice").TaskToken != "" && slotStatus(r, "security").TaskToken != ""
	})
	describe := func(who ...string) result { return run(t, cmd(ns, who, "describe", "deploy")...) }

	expect(t, describe(as(alice)...), plugin.ExitApproved,
		"Waiting for:   alice (alice@example.com), security (group security-oncall)\n", "May act now:   you (alice@example.com), on slot alice\n")
	expect(t, describe(as(alice, securityGroup)...), plugin.ExitApproved,
		"May act now:   you (alice@example.com), on slots alice, security (choose one with --slot)\n")
	expect(t, describe(as(ravi)...), plugin.ExitApproved, "May act now:   not you (ravi@example.com)\n")
	expect(t, describe(as(mallory)...), plugin.ExitApproved, "May act now:   not you (mallory@example.com)\n")

	expect(t, run(t, cmd(ns, as(alice), "approve", "deploy")...), plugin.ExitApproved)
	// Whether or not the operator recorded it yet.
	expect(t, describe(as(alice, securityGroup)...), plugin.ExitApproved,
		"Waiting for:   security (group security-oncall)\n", "May act now:   not you (alice@example.com)\n")
	r := run(t, cmd(ns, as(carol, securityGroup), "describe", "deploy", "-o", "json")...)
	expect(t, r, plugin.ExitApproved)
	var v struct {
		WaitingFor string   `json:"waitingFor"`
		You        string   `json:"you"`
		YourSlots  []string `json:"yourSlots"`
	}
	must(t, json.Unmarshal([]byte(r.stdout), &v))
	if v.WaitingFor != "security (group security-oncall)" || v.You != carol || len(v.YourSlots) != 1 || v.YourSlots[0] != "security" {
		t.Errorf("-o json says %+v", v)
	}

	expect(t, run(t, cmd(ns, as(carol, securityGroup), "reject", "deploy")...), plugin.ExitApproved)
	eventually(t, req, "rejected, with its conditions", func(r *v1.ApprovalRequest) bool {
		return r.Status.Phase == v1.PhaseRejected && meta.IsStatusConditionTrue(r.Status.Conditions, v1.ConditionStalled)
	})
	expect(t, describe(as(carol, securityGroup)...), plugin.ExitApproved, "Waiting for:   -\n", "May act now:   no one: the request is Rejected\n")
}
