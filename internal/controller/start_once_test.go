package controller_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/devenv"
	"github.com/tollgate-dev/tollgate/internal/stepfunctions"
)

// An execution is started once. On a loaded machine the operator's cache can lag behind its own
// writes: the reconcile that follows the one that started a request (woken by its finalizer's
// write, or by the token the activity worker wrote) may read it without the start recorded.
// Step Functions answers a repeated StartExecution of a running execution with the same ARN,
// so nothing runs twice — but each call spends the StartExecution quota, and make bench counts
// an execution name started twice (1 in ~1,040 requests, in 2 of 4 runs at a load of 15–19).
var _ = Describe("The start of an execution", func() {
	It("is made once when the operator's cache has not seen it recorded", func() {
		ns := createNamespace("startonce")
		key := client.ObjectKey{Namespace: ns, Name: "lagging"}
		hold := &watchHold{}
		seen := make(chan struct{}) // the cache holds the request with its finalizer
		api := &beforeStart{API: stepfunctions.Wrap(sfnLocal.client, nil), about: inNamespace(ns), run: func() {
			// What the reconciles after this one read is the request as it stands now: with its
			// finalizer, without the start.
			select {
			case <-seen:
			case <-time.After(settle):
			}
			hold.on()
		}}
		op := runOperator(devenv.OperatorOptions{Config: suiteConfig(nil), API: api, Transport: hold.wrap})
		defer op.stop()
		defer hold.release() // before the stop: a held watch would hold the manager's shutdown up
		informer, err := op.Manager.GetCache().GetInformer(ctx, &v1.ApprovalRequest{})
		Expect(err).NotTo(HaveOccurred())
		var once sync.Once
		finalized := func(o any) {
			if r, ok := o.(*v1.ApprovalRequest); ok && client.ObjectKeyFromObject(r) == key && controllerutil.ContainsFinalizer(r, v1.StopExecutionFinalizer) {
				once.Do(func() { close(seen) })
			}
		}
		_, err = informer.AddEventHandler(toolscache.ResourceEventHandlerFuncs{AddFunc: finalized, UpdateFunc: func(_, o any) { finalized(o) }})
		Expect(err).NotTo(HaveOccurred())

		newRequest(ns, key.Name, []string{"alice"}, 0)
		obj := waitTokens(key, 1)
		name := "tollgate-" + string(obj.UID)
		Expect(api.ran.Load()).To(BeTrue(), "the operator started the request")
		Expect(hold.holding()).To(BeTrue(), "its cache stays without the start recorded")

		By("a decision wakes the request while the cache still lacks its start: it is delivered, not started again")
		approveDecision(key, "alice-ok", "alice", "")
		Eventually(func() v1.Phase { return getRequest(key).Status.Phase }, settle).Should(Equal(v1.PhaseApproved))
		Expect(sfnLocal.callsAbout("StartExecution", name)).To(Equal(1), "StartExecution calls for %s", name)

		By("the cache catches up: the request concludes, still started once")
		hold.release()
		waitPhase(key, v1.PhaseApproved)
		waitExecution(obj, sfntypes.ExecutionStatusSucceeded, "")
		Expect(sfnLocal.callsAbout("StartExecution", name)).To(Equal(1), "StartExecution calls for %s", name)
		Expect(executionsNamed(name)).To(Equal(1))
	})
})

// beforeStart runs run once, before the first StartExecution about something (see
// crashingAPI) reaches Step Functions.
type beforeStart struct {
	stepfunctions.API
	about func(string) bool
	run   func()
	once  sync.Once
	ran   atomic.Bool
}

func (b *beforeStart) StartExecution(ctx context.Context, in *sfn.StartExecutionInput, o ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error) {
	if b.about(aws.ToString(in.Input)) {
		b.once.Do(func() { b.run(); b.ran.Store(true) })
	}
	return b.API.StartExecution(ctx, in, o...)
}

// watchHold holds back what the operator's watches of ApprovalRequests deliver while it is on:
// its cache then stays as it was, whatever the operator writes, as a watch far behind does.
type watchHold struct {
	mu       sync.Mutex
	released chan struct{} // nil: not holding
}

func (h *watchHold) on() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.released == nil {
		h.released = make(chan struct{})
	}
}

// release lets everything held through, in order.
func (h *watchHold) release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.released != nil {
		close(h.released)
		h.released = nil
	}
}

func (h *watchHold) holding() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.released != nil
}

// wait returns once the hold is off.
func (h *watchHold) wait() {
	h.mu.Lock()
	released := h.released
	h.mu.Unlock()
	if released != nil {
		<-released
	}
}

// wrap is the operator's transport: the body of a watch of ApprovalRequests is read through
// the hold.
func (h *watchHold) wrap(next http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(req)
		if err == nil && req.URL.Query().Get("watch") == "true" && strings.HasSuffix(req.URL.Path, "/approvalrequests") {
			resp.Body = &heldBody{ReadCloser: resp.Body, hold: h}
		}
		return resp, err
	})
}

// heldBody hands on what it read only once the hold is off: bytes that arrive while it is on
// (a read already waiting included) wait with it.
type heldBody struct {
	io.ReadCloser
	hold *watchHold
}

func (b *heldBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.hold.wait()
	return n, err
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
