package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// watcher is a bare client-go informer on the namespace's ApprovalRequests: what any client
// watching the API server sees, and when. It is both the floor (how soon a watcher sees a
// write at all) and the bench's eye on status (tokens recorded, outcome conditions).
type watcher struct {
	mu      sync.Mutex
	seen    map[string]*v1.ApprovalRequest
	waiters map[string][]waiter
	tokens  map[string]time.Time // task token → when status first showed it
	last    map[string]time.Time // request → when the watcher last saw it change
	// open replaces the sealed task tokens of a request's status with the tokens themselves, as
	// Step Functions saw them.
	open func(*v1.ApprovalRequest)
}

type waiter struct {
	holds func(*v1.ApprovalRequest) bool
	ch    chan time.Time
}

func startWatcher(ctx context.Context, cfg *rest.Config, namespace string, open func(*v1.ApprovalRequest)) (*watcher, error) {
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("a dynamic client for the watcher: %w", err)
	}
	w := &watcher{seen: map[string]*v1.ApprovalRequest{}, waiters: map[string][]waiter{}, tokens: map[string]time.Time{}, last: map[string]time.Time{}, open: open}
	factory := dynamicinformer.NewFilteredDynamicSharedInformerFactory(dyn, 0, namespace, nil)
	inf := factory.ForResource(v1.GroupVersion.WithResource("approvalrequests")).Informer()
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { w.observe(obj, time.Now()) },
		UpdateFunc: func(_, obj any) { w.observe(obj, time.Now()) },
	}); err != nil {
		return nil, err
	}
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		return nil, fmt.Errorf("the watcher's informer did not sync")
	}
	return w, nil
}

func (w *watcher) observe(obj any, at time.Time) {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return
	}
	var r v1.ApprovalRequest
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &r); err != nil {
		return // the schema admitted it; a decoding failure here is the bench's own bug, and its waits time out
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.open(&r)
	w.seen[r.Name] = &r
	w.last[r.Name] = at
	for _, a := range r.Status.Approvers {
		if _, ok := w.tokens[a.TaskToken]; a.TaskToken != "" && !ok {
			w.tokens[a.TaskToken] = at
		}
	}
	kept := w.waiters[r.Name][:0]
	for _, wt := range w.waiters[r.Name] {
		if wt.holds(&r) {
			wt.ch <- at
			continue
		}
		kept = append(kept, wt)
	}
	w.waiters[r.Name] = kept
}

// when delivers the moment the watcher sees request name satisfy holds. Register it before the
// write it waits for: a request that holds already is delivered at once, with the time now.
func (w *watcher) when(name string, holds func(*v1.ApprovalRequest) bool) <-chan time.Time {
	ch := make(chan time.Time, 1)
	w.mu.Lock()
	defer w.mu.Unlock()
	if r := w.seen[name]; r != nil && holds(r) {
		ch <- time.Now()
		return ch
	}
	w.waiters[name] = append(w.waiters[name], waiter{holds: holds, ch: ch})
	return ch
}

// quiet returns once request name has not changed for d: whatever the operator wrote in answer
// to the last write has landed.
func (w *watcher) quiet(ctx context.Context, name string, d time.Duration) error {
	for {
		w.mu.Lock()
		left := d - time.Since(w.last[name])
		w.mu.Unlock()
		if left <= 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(left):
		}
	}
}

// get is the request as last seen.
func (w *watcher) get(name string) *v1.ApprovalRequest {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.seen[name]
}

// allTokens: every approver of the request has a task token in status.
func allTokens(r *v1.ApprovalRequest) bool {
	if len(r.Status.Approvers) < len(r.Spec.Approvers) {
		return false
	}
	for _, a := range r.Status.Approvers {
		if a.TaskToken == "" {
			return false
		}
	}
	return true
}

// annotated returns a predicate: the request carries annotation key=value.
func annotated(key, value string) func(*v1.ApprovalRequest) bool {
	return func(r *v1.ApprovalRequest) bool { return r.Annotations[key] == value }
}

// approved: the outcome condition a pipeline waits for (kubectl wait --for=condition=Approved).
func approved(r *v1.ApprovalRequest) bool {
	return meta.IsStatusConditionTrue(r.Status.Conditions, v1.ConditionApproved)
}

// token is the task token status holds for slot.
func token(r *v1.ApprovalRequest, slot string) string {
	for _, a := range r.Status.Approvers {
		if a.Name == slot {
			return a.TaskToken
		}
	}
	return ""
}

// tokenHours is how long the tokens status showed were held until now, or until sentAt says
// they were answered: the exposure heartbeats are paid for.
func (w *watcher) tokenHours(sentAt func(string) (time.Time, bool)) float64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	now, held := time.Now(), time.Duration(0)
	for t, seen := range w.tokens {
		end := now
		if at, ok := sentAt(t); ok {
			end = at
		}
		held += end.Sub(seen)
	}
	return held.Hours()
}
