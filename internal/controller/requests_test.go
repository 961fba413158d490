package controller_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// Helpers shared by the lifecycle specs. They read through the live client, never a cache.

const settle = 30 * time.Second

// newRequest creates a request, as the namespace's requester, with one user per slot (see
// person); required 0 means all.
func newRequest(ns, name string, slots []string, required int32, mutate ...func(*v1.ApprovalRequest)) client.ObjectKey {
	req := requestObject(ns, name, slots, required, mutate...)
	Expect(as(requesterUser).Create(ctx, req)).To(Succeed())
	return client.ObjectKeyFromObject(req)
}

// requestObject is the request newRequest creates.
func requestObject(ns, name string, slots []string, required int32, mutate ...func(*v1.ApprovalRequest)) *v1.ApprovalRequest {
	req := &v1.ApprovalRequest{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       v1.ApprovalRequestSpec{Description: "test: " + name},
	}
	for _, s := range slots {
		req.Spec.Approvers = append(req.Spec.Approvers, v1.Approver{Name: s, Users: []string{person(s)}})
	}
	if required > 0 {
		req.Spec.Policy = &v1.ApprovalPolicy{RequiredApprovals: new(required)}
	}
	for _, m := range mutate {
		m(req)
	}
	return req
}

func getRequest(key client.ObjectKey) *v1.ApprovalRequest {
	obj := &v1.ApprovalRequest{}
	Expect(k8sClient.Get(ctx, key, obj)).To(Succeed())
	return obj
}

// waitTokens waits until n slots hold a task token and returns the request.
func waitTokens(key client.ObjectKey, n int) *v1.ApprovalRequest {
	return waitTokensWithin(key, n, settle)
}

// waitLargeRequestTokens waits for the n tokens of a request of the largest shapes. n token
// writes of a 300 KB request, one at a time, take long on a loaded 2-core machine (36 of 40 in
// 90 s with other test runs beside it). And on such a machine an activity task has been seen
// handed out by the endpoint yet never reaching the router: traced, the Go HTTP transport
// closed the connection while the SDK read the 105 KB answer (its context not cancelled; cause
// not found), the SDK retried GetActivityTask, and the task handed to the first attempt was
// gone — which AWS can do too. Step Functions' remedy is the task's heartbeat timeout: the task
// comes back with a new token. When tokens are missing after 90 s, the spec lets Step
// Functions' time pass, ten seconds every two, while the operator's one-second heartbeats keep
// the tokens it holds alive (one jump past the timeout would expire them all), and says so.
func waitLargeRequestTokens(key client.ObjectKey, n int) {
	if InterceptGomegaFailure(func() { waitTokensWithin(key, n, 90*time.Second) }) != nil {
		GinkgoWriter.Printf("only %d of %d tokens after 90s: letting Step Functions' time pass the task heartbeat timeout\n", tokensHeld(key), n)
		Eventually(func() int {
			sfnLocal.clock.Advance(10 * time.Second)
			return tokensHeld(key)
		}, 2*time.Minute, 2*time.Second).Should(Equal(n))
	}
	waitTokensWithin(key, n, time.Minute)
}

// tokensHeld counts the slots of a request that hold a task token.
func tokensHeld(key client.ObjectKey) int {
	held := 0
	for _, s := range getRequest(key).Status.Approvers {
		if s.TaskToken != "" {
			held++
		}
	}
	return held
}

// waitTokensWithin is waitTokens with a timeout of its own, for requests whose every token
// write carries a large object (each is a status patch through the status webhook).
func waitTokensWithin(key client.ObjectKey, n int, timeout time.Duration) *v1.ApprovalRequest {
	var obj *v1.ApprovalRequest
	Eventually(func(g Gomega) {
		obj = getRequest(key)
		held := 0
		for _, s := range obj.Status.Approvers {
			if s.TaskToken != "" {
				held++
			}
		}
		g.Expect(held).To(Equal(n), "tokens held: %+v", obj.Status.Approvers)
		g.Expect(obj.Status.ExecutionARN).NotTo(BeEmpty(), "the start is recorded")
	}, timeout, 50*time.Millisecond).Should(Succeed())
	return obj
}

// waitPhase waits until a request reached a phase and the operator concluded it (conditions
// say so, a decided request holds no finalizer), and returns the request.
func waitPhase(key client.ObjectKey, phase v1.Phase) *v1.ApprovalRequest {
	var obj *v1.ApprovalRequest
	Eventually(func(g Gomega) {
		obj = getRequest(key)
		g.Expect(obj.Status.Phase).To(Equal(phase), "status: %+v", obj.Status)
		ready := meta.FindStatusCondition(obj.Status.Conditions, v1.ConditionReady)
		g.Expect(ready).NotTo(BeNil())
		if phase != v1.PhasePending {
			g.Expect(ready.Reason).To(BeElementOf(string(phase), v1.ReasonUnverifiedOutcome))
			g.Expect(obj.Finalizers).To(BeEmpty())
		}
	}, settle, 50*time.Millisecond).Should(Succeed())
	return obj
}

// undecided asserts, for a while, that the slots hold no decision, that nothing was sent to
// Step Functions on their tokens and that the request has not ended.
func undecided(key client.ObjectKey, slots ...string) {
	tokens := map[string]string{}
	for _, s := range slots {
		Expect(slotOf(getRequest(key), s).TaskToken).NotTo(BeEmpty(), "slot %s holds its token", s)
		tokens[s] = tokenOf(getRequest(key), s)
	}
	Consistently(func(g Gomega) {
		obj := getRequest(key)
		g.Expect(obj.Status.Phase).To(Equal(v1.PhasePending))
		for _, s := range slots {
			g.Expect(slotOf(obj, s).Decision).To(BeEmpty(), "slot %s: %+v", s, slotOf(obj, s))
			g.Expect(sfnLocal.sendsFor(tokens[s])).To(BeZero(), "SendTask* on the token of %s", s)
		}
	}, "1500ms", 100*time.Millisecond).Should(Succeed())
}

// watchRequest opens a watch on one request from its current version, as a GitOps tool or
// kubectl wait would, through a client of its own (never a cache).
func watchRequest(key client.ObjectKey) watch.Interface {
	watcher, err := client.NewWithWatch(env.ControlPlane.Admin, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
	w, err := watcher.Watch(ctx, &v1.ApprovalRequestList{}, client.InNamespace(key.Namespace),
		client.MatchingFields{"metadata.name": key.Name}, &client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: getRequest(key).ResourceVersion}})
	Expect(err).NotTo(HaveOccurred())
	return w
}

// annotate decides slots the way their approvers do with `kubectl annotate`: one merge patch of
// annotations per slot, each as the slot's person. Keys name slots
// (approvals.tollgate.dev/<slot>[.comment]).
func annotate(key client.ObjectKey, kv ...string) {
	for _, slot := range slotsOf(kv) {
		var mine []string
		for i := 0; i < len(kv); i += 2 {
			if slotsOf(kv[i : i+2])[0] == slot {
				mine = append(mine, kv[i], kv[i+1])
			}
		}
		Expect(annotateAs(as(person(slot), approversGroup), key, mine...)).To(Succeed(), "annotating as %s", person(slot))
	}
}

// annotateAs writes annotations (key, value pairs; the value "-" removes the key) as c and
// returns the API's answer.
func annotateAs(c client.Client, key client.ObjectKey, kv ...string) error {
	ann := map[string]any{}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == "-" {
			ann[kv[i]] = nil // removes it, as `kubectl annotate key-`
		} else {
			ann[kv[i]] = kv[i+1]
		}
	}
	obj := &unstructured.Unstructured{}
	obj.SetAPIVersion(v1.GroupVersion.String())
	obj.SetKind("ApprovalRequest")
	obj.SetNamespace(key.Namespace)
	obj.SetName(key.Name)
	patch := map[string]any{"metadata": map[string]any{"annotations": ann}}
	return c.Patch(ctx, obj, client.RawPatch("application/merge-patch+json", mustJSON(patch)))
}

// slotsOf lists, in order, the slots that decision annotation keys name.
func slotsOf(kv []string) []string {
	var slots []string
	for i := 0; i < len(kv); i += 2 {
		rest := strings.TrimPrefix(kv[i], v1.DecisionAnnotationPrefix)
		slot, _, _ := strings.Cut(rest, ".")
		if !slices.Contains(slots, slot) {
			slots = append(slots, slot)
		}
	}
	return slots
}

// approveDecision creates an ApproverDecision that approves, as the slot's person.
func approveDecision(key client.ObjectKey, name, slot, comment string) client.ObjectKey {
	dec := decisionObject(key, name, slot, v1.DecisionApprove, comment)
	Expect(as(person(slot), approversGroup).Create(ctx, dec)).To(Succeed(), "deciding as %s", person(slot))
	return client.ObjectKeyFromObject(dec)
}

// decisionObject is an ApproverDecision as approveDecision creates it.
func decisionObject(key client.ObjectKey, name, slot string, d v1.Decision, comment string) *v1.ApproverDecision {
	return &v1.ApproverDecision{
		ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: name},
		Spec:       v1.ApproverDecisionSpec{ApprovalRequestName: key.Name, Approver: slot, Decision: d, Comment: comment},
	}
}

// waitDecisionPhase waits for an ApproverDecision's verdict.
func waitDecisionPhase(key client.ObjectKey, phase v1.DecisionPhase) *v1.ApproverDecision {
	d := &v1.ApproverDecision{}
	Eventually(func(g Gomega) {
		g.Expect(k8sClient.Get(ctx, key, d)).To(Succeed())
		g.Expect(d.Status.Phase).To(Equal(phase), "status: %+v", d.Status)
	}, settle, 50*time.Millisecond).Should(Succeed())
	return d
}

// execution describes a request's execution in Step Functions.
func execution(obj *v1.ApprovalRequest) *sfn.DescribeExecutionOutput {
	out, err := sfnLocal.client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(obj.Status.ExecutionARN)})
	Expect(err).NotTo(HaveOccurred())
	return out
}

// waitExecution waits for an execution's status (and error, when given).
func waitExecution(obj *v1.ApprovalRequest, st sfntypes.ExecutionStatus, errorName string) {
	Eventually(func(g Gomega) {
		out := execution(obj)
		g.Expect(out.Status).To(Equal(st))
		g.Expect(aws.ToString(out.Error)).To(Equal(errorName))
	}, settle, 50*time.Millisecond).Should(Succeed())
}

// kstatusOf computes what Flux and Argo CD's kstatus health checks see.
func kstatusOf(obj *v1.ApprovalRequest) status.Status {
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	Expect(err).NotTo(HaveOccurred())
	res, err := status.Compute(&unstructured.Unstructured{Object: u})
	Expect(err).NotTo(HaveOccurred())
	return res.Status
}

// slotOf returns a slot's status entry.
func slotOf(obj *v1.ApprovalRequest, name string) v1.ApproverStatus {
	for _, s := range obj.Status.Approvers {
		if s.Name == name {
			return s
		}
	}
	Fail(fmt.Sprintf("no slot %s in %+v", name, obj.Status.Approvers))
	return v1.ApproverStatus{}
}

// eventReasons lists the reasons of the events regarding an object.
func eventReasons(key client.ObjectKey) []string {
	var list eventsv1.EventList
	Expect(k8sClient.List(ctx, &list, client.InNamespace(key.Namespace))).To(Succeed())
	var reasons []string
	for _, e := range list.Items {
		if e.Regarding.Name == key.Name {
			reasons = append(reasons, e.Reason)
		}
	}
	return reasons
}

// gone reports whether an object no longer exists.
func gone(obj client.Object) func() bool {
	return func() bool {
		probe := obj.DeepCopyObject().(client.Object)
		return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKeyFromObject(obj), probe))
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	Expect(err).NotTo(HaveOccurred())
	return b
}
