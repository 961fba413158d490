package controller_test

import (
	"context"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
	"github.com/tollgate-dev/tollgate/internal/controller"
	"github.com/tollgate-dev/tollgate/internal/devenv"
	"github.com/tollgate-dev/tollgate/internal/identity"
)

// An end's effects — its events, the request's tokens given up — follow the write that made it
// durable, once: the ledger's commit runs its change again on every conflict, and what runs
// inside it would run again too.
var _ = Describe("The effects of an end", func() {
	It("run once when the write of the end met a conflict", func() {
		ns := createNamespace("once")
		key := newRequest(ns, "raced", []string{"alice", "bob"}, 0)
		operatorClient := as(devenv.OperatorUsername)
		keyring := suiteKeyring()

		By("the request waits with a sealed token per slot")
		obj := getRequest(key)
		base := obj.DeepCopy()
		obj.Status.Phase, obj.Status.ExecutionARN = v1.PhasePending, "arn:aws:states:us-east-1:000000000000:execution:m:raced"
		for _, slot := range []string{"alice", "bob"} {
			obj.Status.Approvers = append(obj.Status.Approvers, v1.ApproverStatus{Name: slot, TaskToken: keyring.Seal("token-"+slot, controller.TokenBinding(obj, slot))})
		}
		Expect(operatorClient.Status().Patch(ctx, obj, client.MergeFrom(base))).To(Succeed())

		By("the end's write meets another writer's, once")
		warnedAt := metav1.NewTime(time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC))
		raced := &raceFirstStatusPatch{Client: operatorClient, race: func() {
			other := getRequest(key)
			before := other.DeepCopy()
			other.Status.ExpiryWarnedAt = &warnedAt
			Expect(operatorClient.Status().Patch(ctx, other, client.MergeFrom(before))).To(Succeed())
		}}
		keeper := &countingKeeper{untracked: map[string]int{}}
		recorder := events.NewFakeRecorder(16)
		router := &controller.TaskRouter{
			Client: raced, Reader: k8sClient, Events: recorder, Clock: clock.RealClock{},
			Tokens: &controller.Tokens{Keyring: keyring, Keeper: keeper}, Ends: &controller.Ends{},
		}
		in := &approval.TaskInput{Tollgate: approval.Identity{Namespace: ns, Name: key.Name, UID: string(obj.UID)}, Outcome: string(v1.PhaseApproved)}
		By("Step Functions reports an approval nobody verified: the end is Failed, UnverifiedOutcome")
		Expect(router.RecordOutcome(ctx, key, in, v1.PhaseApproved)).To(Succeed())
		Expect(raced.patches).To(Equal(2), "the first write conflicted and the commit wrote again")

		stored := getRequest(key)
		Expect(stored.Status.Phase).To(Equal(v1.PhaseFailed))
		Expect(stored.Status.Ended).NotTo(BeNil())
		Expect(stored.Status.Ended.Reason).To(Equal(v1.ReasonUnverifiedOutcome))
		Expect(stored.Status.ExpiryWarnedAt).NotTo(BeNil(), "the other writer's change is kept")
		Expect(identity.Verified(stored)(&stored.Status.Approvers[0])).To(BeFalse())

		By("each token is given up once, each event emitted once")
		Expect(keeper.untracked).To(Equal(map[string]int{"token-alice": 1, "token-bob": 1}))
		close(recorder.Events)
		var emitted []string
		for e := range recorder.Events {
			emitted = append(emitted, strings.Join(strings.Fields(e)[:2], " "))
		}
		Expect(emitted).To(Equal([]string{"Warning " + v1.ReasonUnverifiedOutcome, "Warning " + v1.ReasonFailed}))
	})
})

// raceFirstStatusPatch is the operator's client, whose first status patch is preceded by
// another writer's (race): on the real API server, that patch then conflicts.
type raceFirstStatusPatch struct {
	client.Client
	race    func()
	once    sync.Once
	patches int
}

func (c *raceFirstStatusPatch) Status() client.SubResourceWriter {
	return racedStatusWriter{c.Client.Status(), c}
}

type racedStatusWriter struct {
	client.SubResourceWriter
	c *raceFirstStatusPatch
}

func (w racedStatusWriter) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
	w.c.once.Do(w.c.race)
	w.c.patches++
	return w.SubResourceWriter.Patch(ctx, obj, patch, opts...)
}

// countingKeeper counts how often each token is given up.
type countingKeeper struct {
	mu        sync.Mutex
	untracked map[string]int
}

func (k *countingKeeper) Track(string, func(string)) {}

func (k *countingKeeper) Untrack(token string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.untracked[token]++
}
