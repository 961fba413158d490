package admission

import (
	"context"
	"fmt"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/approval"
)

// Start follows the webhook configurations and the records as they appear, and tries admission
// with the probe until the manager stops. It implements manager.Runnable.
func (m *Monitor) Start(ctx context.Context) error {
	configs := toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(o any) { m.configChanged(ctx, o, false) },
		UpdateFunc: func(_, o any) { m.configChanged(ctx, o, false) },
		DeleteFunc: func(o any) { m.configChanged(ctx, o, true) },
	}
	records := toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(o any) { m.recordsSeen(o) },
		UpdateFunc: func(_, o any) { m.recordsSeen(o) },
	}
	for obj, handler := range map[client.Object]toolscache.ResourceEventHandler{
		&admissionregistrationv1.MutatingWebhookConfiguration{}:   configs,
		&admissionregistrationv1.ValidatingWebhookConfiguration{}: configs,
		&v1.ApprovalRequest{}:  records,
		&v1.ApproverDecision{}: records,
	} {
		informer, err := m.Cache.GetInformer(ctx, obj)
		if err != nil {
			return fmt.Errorf("watching %T for tollgate's admission: %w", obj, err)
		}
		if _, err := informer.AddEventHandler(handler); err != nil {
			return fmt.Errorf("following %T for tollgate's admission: %w", obj, err)
		}
	}
	if m.Probe == nil {
		<-ctx.Done()
		return nil
	}
	m.probeUntil(ctx)
	return nil
}

// NeedLeaderElection: the leader records and delivers decisions; it alone follows admission.
func (m *Monitor) NeedLeaderElection() bool { return true }

// configChanged notes a change of a webhook configuration and what the configurations say now.
func (m *Monitor) configChanged(ctx context.Context, o any, deleted bool) {
	if t, ok := o.(toolscache.DeletedFinalStateUnknown); ok {
		o = t.Obj
	}
	obj, ok := o.(client.Object)
	if !ok {
		return
	}
	name := "validating/" + obj.GetName()
	if _, mutating := obj.(*admissionregistrationv1.MutatingWebhookConfiguration); mutating {
		name = "mutating/" + obj.GetName()
	}
	var mutating admissionregistrationv1.MutatingWebhookConfigurationList
	var validating admissionregistrationv1.ValidatingWebhookConfigurationList
	if err := m.Cache.List(ctx, &mutating); err != nil {
		m.Log.Error(err, "listing mutating webhook configurations from the cache")
		return
	}
	if err := m.Cache.List(ctx, &validating); err != nil {
		m.Log.Error(err, "listing validating webhook configurations from the cache")
		return
	}
	inForce, why := Evaluate(mutating.Items, validating.Items)
	rv := revision(obj.GetResourceVersion())
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.seen == nil {
		m.seen = map[string]uint64{}
	}
	m.seen[name] = rv
	if deleted {
		m.seen[name] = 0
	}
	if n := len(m.timeline); n > 0 && m.timeline[n-1].inForce != inForce && rv > m.timeline[n-1].rv {
		m.timeline = append(m.timeline, state{rv, inForce, why})
		m.covered = max(m.covered, rv)
		m.report()
		if inForce {
			m.Log.Info("tollgate's admission is in force again")
		} else {
			m.Log.Error(nil, "tollgate's admission is not in force: decisions are neither recorded nor sent until it is, and those written meanwhile are taken back", "why", why)
		}
	}
}

// recordsSeen notes the revision at which each record of a request or decision not yet in a
// ledger first appeared, and forgets those that reached one.
func (m *Monitor) recordsSeen(o any) {
	texts := map[string]bool{} // record → recorded
	var holder client.Object
	switch obj := o.(type) {
	case *v1.ApprovalRequest:
		holder = obj
		slots, _ := approval.DecisionAnnotations(obj.Annotations)
		for slot, a := range slots {
			if a.HasRecord {
				s := approval.Entry(obj, slot)
				texts[a.Record] = s != nil && s.Record == a.Record
			}
		}
	case *v1.ApproverDecision:
		holder = obj
		if rec, ok := obj.Annotations[v1.RecordAnnotation]; ok {
			texts[rec] = obj.Status.Phase == v1.DecisionAccepted
		}
	default:
		return
	}
	rv := revision(holder.GetResourceVersion())
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.firstSeen == nil {
		m.firstSeen = map[[32]byte]uint64{}
	}
	for text, recorded := range texts {
		key := recordKey(holder.GetUID(), text)
		if _, ok := m.firstSeen[key]; recorded {
			delete(m.firstSeen, key)
		} else if !ok {
			m.firstSeen[key] = rv
		}
	}
}

// probeUntil tries admission with the probe every second until it passes, then every
// ProbeInterval, until ctx ends.
func (m *Monitor) probeUntil(ctx context.Context) {
	for {
		why := m.Probe.Try(ctx)
		m.mu.Lock()
		changed := m.probeWhy != why || !m.probed
		m.probeWhy = why
		m.probed = m.probed || why == ""
		m.report()
		wait := m.ProbeInterval
		if !m.probed {
			wait = time.Second
		}
		m.mu.Unlock()
		if changed && why != "" {
			m.Log.Error(nil, "a forged write was not refused as tollgate's admission refuses it: decisions are held", "why", why)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}
