package main

import (
	"context"
	"slices"

	eventsv1 "k8s.io/api/events/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// printEvents prints the events the operator recorded about a request (what `kubectl describe`
// shows), to explain an unexpected outcome.
func printEvents(ctx context.Context, c client.Reader, key client.ObjectKey) {
	var list eventsv1.EventList
	if err := c.List(ctx, &list, client.InNamespace(key.Namespace)); err != nil {
		say("  (could not list events: %v)", err)
		return
	}
	var mine []eventsv1.Event
	for _, e := range list.Items {
		if e.Regarding.Name == key.Name && e.Regarding.Kind == "ApprovalRequest" {
			mine = append(mine, e)
		}
	}
	slices.SortStableFunc(mine, func(a, b eventsv1.Event) int { return a.CreationTimestamp.Compare(b.CreationTimestamp.Time) })
	say("  events of %s/%s:", key.Namespace, key.Name)
	for _, e := range mine {
		say("    %s %s: %s", e.Type, e.Reason, e.Note)
	}
}
