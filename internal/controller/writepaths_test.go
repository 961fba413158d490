package controller_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/stepfunctions"
)

// Every way to write to tollgate's API group is derived from the API server's discovery — each
// resource and subresource × create, update, patch — and tried by someone who may do anything
// RBAC can grant on the group but is no approver of the slot under attack, carrying the best
// forgeries at hand: alice's genuine record of a decision on another request, decision
// annotations, a decided status. A path added later is tried without editing this test.
var _ = Describe("Write paths", func() {
	var op *runningOperator
	BeforeEach(func() { op = startOperator(stepfunctions.Wrap(sfnLocal.client, nil)) })
	AfterEach(func() { op.stop() })

	It("let no unauthorized identity decide through any resource, subresource or verb of the group", func() {
		ns := createNamespace("paths")
		const attacker = "mallory@example.com"
		grantEverything(ns, attacker)

		By("alice approves another request: her genuine record is what an attacker can copy")
		other := newRequest(ns, "other", []string{"alice", "bob"}, 0)
		waitTokens(other, 2)
		annotate(other, "approvals.tollgate.dev/alice", "approve")
		Eventually(func() string { return getRequest(other).Annotations["approvals.tollgate.dev/alice.record"] }, settle).ShouldNot(BeEmpty())
		stolen := getRequest(other).Annotations["approvals.tollgate.dev/alice.record"]

		target := newRequest(ns, "target", []string{"alice", "bob", "mallory"}, 0)
		requesterRecord := waitTokens(target, 3).Annotations[v1.RequesterAnnotation]
		By("every record of alice's approval of the target an attacker can obtain: from the webhooks, called directly, and from a server-side dry-run")
		records := map[string]string{
			"another request's":      stolen,
			"the request webhook's":  claimDecision(target, "alice", person("alice"), approversGroup)["approvals.tollgate.dev/alice.record"],
			"the decision webhook's": claimDecisionObject(target, "alice", person("alice"), approversGroup),
			"a dry-run's":            dryRunDecision(target, "alice"),
		}
		for from, record := range records {
			Expect(record).NotTo(BeEmpty(), "%s record", from)
		}
		By("the attacker has a decision object of her own to rewrite (her own slot)")
		mine := approveDecision(target, "mine", "mallory", "")
		waitDecisionPhase(mine, v1.DecisionAccepted)

		dyn, err := dynamic.NewForConfig(env.ControlPlane.As(attacker, approversGroup))
		Expect(err).NotTo(HaveOccurred())
		disc, err := discovery.NewDiscoveryClientForConfig(env.ControlPlane.Admin)
		Expect(err).NotTo(HaveOccurred())
		list, err := disc.ServerResourcesForGroupVersion(v1.GroupVersion.String())
		Expect(err).NotTo(HaveOccurred())

		tried := map[string]string{}
		for _, r := range list.APIResources {
			resource, sub, _ := strings.Cut(r.Name, "/")
			gvr := v1.GroupVersion.WithResource(resource)
			for _, verb := range []string{"create", "update", "patch"} {
				if !slices.Contains(r.Verbs, verb) {
					continue
				}
				for variant, forgery := range forgeryFrom(resource, target, records) {
					path := fmt.Sprintf("%s %s (%s)", r.Name, verb, variant)
					err := attempt(dyn, gvr, sub, verb, ns, createBase(r.Kind, target), existingOf(resource, target, mine), forgery)
					tried[path] = outcome(err)
				}
			}
		}
		GinkgoWriter.Printf("write paths tried by %s:\n", attacker)
		for _, p := range slices.Sorted(maps.Keys(tried)) {
			GinkgoWriter.Printf("  %-34s %s\n", p, tried[p])
		}
		Expect(tried).To(HaveKey("approvalrequests patch (annotations, a dry-run's record)"))
		Expect(tried).To(HaveKey("approvalrequests/status update (everything, the request webhook's record)"))
		Expect(tried).To(HaveKey("approverdecisions create (everything, the decision webhook's record)"))
		Expect(tried).To(HaveKeyWithValue("approvalrequests patch (undecodable, another request's record)", HavePrefix("refused")))

		By("whatever was admitted, nothing was planted: no decision annotation for alice, the requester on record unchanged")
		Expect(getRequest(target).Annotations).NotTo(HaveKey("approvals.tollgate.dev/alice"))
		Expect(getRequest(target).Annotations).NotTo(HaveKey("approvals.tollgate.dev/alice.record"))
		Expect(getRequest(target).Annotations[v1.RequesterAnnotation]).To(Equal(requesterRecord))

		By("whatever was admitted, alice's slot is undecided and nothing reached Step Functions for it")
		token := tokenOf(getRequest(target), "alice")
		Consistently(func(g Gomega) {
			var requests v1.ApprovalRequestList
			g.Expect(k8sClient.List(ctx, &requests, client.InNamespace(ns))).To(Succeed())
			for _, req := range requests.Items {
				for _, s := range req.Status.Approvers {
					if req.Name == "target" && s.Name == "alice" {
						g.Expect(s.Decision).To(BeEmpty(), "alice's slot of the target: %+v", s)
					}
					if s.Decision == v1.DecisionApprove || s.Decision == v1.DecisionReject {
						g.Expect(s.DecidedBy).To(Equal(person(s.Name)), "slot %s of %s decided by %s", s.Name, req.Name, s.DecidedBy)
					}
				}
				g.Expect(req.Status.Phase).NotTo(Equal(v1.PhaseApproved), "request %s", req.Name)
			}
			g.Expect(sfnLocal.sendsFor(token)).To(BeZero())
		}, "3s", 200*time.Millisecond).Should(Succeed())
	})
})

// forgeries are what the attempts on a resource carry: decision annotations for alice with a
// stolen record alone, with everything else a write could say — a decided status, a decision
// object's spec for her slot — and with a status that does not decode. A resource added later
// gets all of it.
func forgeries(resource string, target client.ObjectKey, stolen string) map[string]map[string]any {
	now := metav1.Now().UTC().Format(time.RFC3339)
	annotations := map[string]any{"metadata": map[string]any{"annotations": map[string]any{
		"approvals.tollgate.dev/alice":        "approve",
		"approvals.tollgate.dev/alice.record": stolen,
		v1.RecordAnnotation:                   stolen,
	}}}
	requestStatus := map[string]any{"phase": "Approved", "approvers": []any{map[string]any{
		"name": "alice", "decision": "Approve", "decidedBy": person("alice"), "decidedAt": now, "source": "annotation", "record": stolen,
	}}}
	decisionSpec := map[string]any{"approvalRequestName": target.Name, "approver": "alice", "decision": "Approve"}
	decisionStatus := map[string]any{"phase": "Accepted", "decidedBy": person("alice"), "message": "Approve recorded for alice"}
	var everything map[string]any
	switch resource {
	case "approvalrequests":
		everything = map[string]any{"status": requestStatus}
	case "approverdecisions":
		everything = map[string]any{"spec": decisionSpec, "status": decisionStatus}
	default:
		everything = map[string]any{"spec": decisionSpec, "status": merged(requestStatus, decisionStatus)}
	}
	// A status of the wrong type: a write of the main resource cannot change status (the API
	// server drops it after mutating admission), but a webhook that could not decode the object
	// once let everything else in it through unchecked.
	undecodable := map[string]any{"status": map[string]any{"observedGeneration": "x"}}
	return map[string]map[string]any{
		"annotations": annotations, "everything": merged(everything, annotations),
		"undecodable": merged(undecodable, annotations),
	}
}

// forgeryFrom is forgeries with each record an attacker could obtain, the variants named by it.
func forgeryFrom(resource string, target client.ObjectKey, records map[string]string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for from, record := range records {
		for variant, forgery := range forgeries(resource, target, record) {
			out[variant+", "+from+" record"] = forgery
		}
	}
	return out
}

// createBase is a valid new object of a kind, for the create attempts to add the forgery to.
func createBase(kind string, target client.ObjectKey) map[string]any {
	spec := map[string]any{"description": "forged", "approvers": []any{map[string]any{"name": "alice", "users": []any{person("alice")}}}}
	if kind == "ApproverDecision" {
		spec = map[string]any{"approvalRequestName": target.Name, "approver": "alice", "decision": "Approve"}
	}
	return map[string]any{
		"apiVersion": v1.GroupVersion.String(), "kind": kind,
		"metadata": map[string]any{"generateName": "forged-"},
		"spec":     spec,
	}
}

// existingOf names the object an update or patch of a resource goes to.
func existingOf(resource string, request, decision client.ObjectKey) client.ObjectKey {
	if resource == "approverdecisions" {
		return decision
	}
	return request
}

// attempt writes the forgery through one path.
func attempt(dyn dynamic.Interface, gvr schema.GroupVersionResource, sub, verb, ns string, base map[string]any, existing client.ObjectKey, forgery map[string]any) error {
	res := dyn.Resource(gvr).Namespace(ns)
	var subs []string
	if sub != "" {
		subs = []string{sub}
	}
	switch verb {
	case "create":
		obj := &unstructured.Unstructured{Object: merged(base, forgery)}
		_, err := res.Create(ctx, obj, metav1.CreateOptions{}, subs...)
		return err
	case "update":
		current, err := res.Get(ctx, existing.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		_, err = res.Update(ctx, &unstructured.Unstructured{Object: merged(current.Object, forgery)}, metav1.UpdateOptions{}, subs...)
		return err
	default:
		patch, err := json.Marshal(forgery)
		if err != nil {
			return err
		}
		_, err = res.Patch(ctx, existing.Name, types.MergePatchType, patch, metav1.PatchOptions{}, subs...)
		return err
	}
}

// merged overlays src onto a copy of dst, object by object.
func merged(dst, src map[string]any) map[string]any {
	out := map[string]any{}
	maps.Copy(out, dst)
	for k, v := range src {
		if sv, ok := v.(map[string]any); ok {
			if dv, ok := out[k].(map[string]any); ok {
				out[k] = merged(dv, sv)
				continue
			}
		}
		out[k] = v
	}
	return out
}

func outcome(err error) string {
	if err == nil {
		return "admitted (and must have no effect)"
	}
	msg := err.Error()
	if len(msg) > 110 {
		msg = msg[:110] + "…"
	}
	return fmt.Sprintf("refused: %s", msg)
}
