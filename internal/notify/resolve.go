package notify

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// DefaultRoute routes the requests that pick no route.
const DefaultRoute = "default"

// ChannelType is a channel's kind, as the metric tollgate_notifications_total labels it.
type ChannelType string

const (
	ChannelEmail   ChannelType = "email"
	ChannelWebhook ChannelType = "webhook"
)

// Configs are the administrators' objects that may route a namespace's requests.
type Configs struct {
	// Namespace is the requests' namespace and Labels its labels (ClusterNotificationConfigs
	// select namespaces by them).
	Namespace string
	Labels    map[string]string
	// Namespaced are the NotificationConfigs of Namespace; Cluster every
	// ClusterNotificationConfig (Resolve keeps those that select Namespace).
	Namespaced []v1.NotificationConfig
	Cluster    []v1.ClusterNotificationConfig
	// OperatorNamespace is where a ClusterNotificationConfig's Secrets are.
	OperatorNamespace string
}

// Destination is one delivery of a message: one channel of one route, with everything needed
// to send but the secrets, which are read at the send from SecretNamespace.
type Destination struct {
	// Route and Channel identify the delivery in what is recorded of it. Channel is the
	// channel's name qualified by its object, "NotificationConfig/<name>/<channel>" or
	// "ClusterNotificationConfig/<name>/<channel>".
	Route   string
	Channel string
	Type    ChannelType
	// SecretNamespace holds the Secrets the channel names.
	SecretNamespace string
	Email           *v1.EmailChannel
	Webhook         *v1.WebhookChannel
	// To are the e-mail addresses of an e-mail delivery, sorted and unique.
	To []string
	// Link is the request's link as the channel's object makes it ("" without one).
	Link string
	// ID identifies the message at this destination, the same on every attempt and after a
	// restart: its webhook-id, CloudEvent id and Message-ID, and what the schedule draws the
	// delivery's jitter from.
	ID string
}

// Resolution is where a message goes.
type Resolution struct {
	// Destinations are sorted by Channel.
	Destinations []Destination
	// Unreached says, per e-mail channel, whom it concerned and no recipient gives an address
	// for ("NotificationConfig/team/mail: group security"), for the caller to make known.
	Unreached []string
	// Problems are objects Resolve could not use as they are (a label selector or a link the
	// schema should have refused), for the caller to make known.
	Problems []string
}

// ErrNoRoute is returned when a request picks a route that no object defines for its namespace.
var ErrNoRoute = errors.New("no such route")

// Resolve is where m goes by route (DefaultRoute when ""), under the administrators' objects:
// through the route's channels in each object that defines it, and the channels it names for
// the slots m concerns. An e-mail channel reaches the people m concerns (a waiting slot's users
// and groups, the requester of an ended request) at the addresses recipients give them; a
// webhook channel receives m once. A request only ever picks a route: every destination comes
// from an administrator's object.
func Resolve(m Message, route string, c Configs) (Resolution, error) {
	if route == "" {
		route = DefaultRoute
	}
	sources, res := c.sources()
	found := false
	for _, s := range sources {
		i := slices.IndexFunc(s.spec.Routes, func(r v1.NotificationRoute) bool { return r.Name == route })
		if i < 0 {
			continue
		}
		found = true
		for _, name := range channelsOf(s.spec.Routes[i], m) {
			j := slices.IndexFunc(s.spec.Channels, func(ch v1.NotificationChannel) bool { return ch.Name == name })
			if j < 0 {
				res.Problems = append(res.Problems, fmt.Sprintf("%s: route %s names no channel %s", s.id, route, name))
				continue
			}
			res.add(s, route, s.spec.Channels[j], m)
		}
	}
	if !found && route != DefaultRoute {
		return Resolution{}, fmt.Errorf("%w %q for namespace %s", ErrNoRoute, route, c.Namespace)
	}
	slices.SortFunc(res.Destinations, func(a, b Destination) int { return cmp.Compare(a.Channel, b.Channel) })
	slices.Sort(res.Unreached)
	return res, nil
}

// source is one administrator's object, as Resolve uses it.
type source struct {
	id              string // "NotificationConfig/<name>"
	spec            *v1.NotificationConfigSpec
	secretNamespace string
	link            Link
	// recipients are those its e-mail channels may send to.
	recipients []v1.NotificationRecipient
}

// sources are the objects that route c.Namespace's requests: its NotificationConfigs, then the
// ClusterNotificationConfigs that select it, each by name.
func (c Configs) sources() ([]source, Resolution) {
	var res Resolution
	var central []source
	var centralRecipients []v1.NotificationRecipient
	centralLink := Link{}
	for _, o := range sortedByName(c.Cluster, func(o v1.ClusterNotificationConfig) string { return o.Name }) {
		id := "ClusterNotificationConfig/" + o.Name
		if ok, err := selects(o.Spec.NamespaceSelector, c.Labels); err != nil {
			res.Problems = append(res.Problems, fmt.Sprintf("%s: namespaceSelector: %v", id, err))
			continue
		} else if !ok {
			continue
		}
		s := source{id: id, spec: &o.Spec.NotificationConfigSpec, secretNamespace: c.OperatorNamespace}
		s.link = res.link(id, o.Spec.Link)
		if centralLink == (Link{}) {
			centralLink = s.link
		}
		centralRecipients = append(centralRecipients, o.Spec.Recipients...)
		central = append(central, s)
	}
	var out []source
	var local []v1.NotificationRecipient
	for _, o := range c.Namespaced {
		local = append(local, o.Spec.Recipients...)
	}
	for _, o := range sortedByName(c.Namespaced, func(o v1.NotificationConfig) string { return o.Name }) {
		id := "NotificationConfig/" + o.Name
		s := source{id: id, spec: &o.Spec, secretNamespace: c.Namespace, link: centralLink}
		if o.Spec.Link != "" {
			s.link = res.link(id, o.Spec.Link)
		}
		// A namespace's channels reach people by its own recipients and the central ones.
		s.recipients = slices.Concat(local, centralRecipients)
		out = append(out, s)
	}
	for i := range central {
		// A central channel reaches people by central recipients only: no namespace directs
		// a central server's mail.
		central[i].recipients = centralRecipients
	}
	return append(out, central...), res
}

// link parses an object's link template, noting a bad one as a problem.
func (res *Resolution) link(id, template string) Link {
	l, err := ParseLink(template)
	if err != nil {
		res.Problems = append(res.Problems, fmt.Sprintf("%s: %v", id, err))
	}
	return l
}

// selects reports whether a ClusterNotificationConfig's selector selects a namespace's labels.
func selects(sel *metav1.LabelSelector, nsLabels map[string]string) (bool, error) {
	if sel == nil {
		return true, nil
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return false, err
	}
	return s.Matches(labels.Set(nsLabels)), nil
}

// channelsOf are the channels route sends m through: its own, then those it names for the
// slots m concerns (a waiting slot; every slot of an ended request), each once.
func channelsOf(r v1.NotificationRoute, m Message) []string {
	out := slices.Clone(r.Channels)
	for _, sr := range r.Slots {
		if (m.Kind == KindWaiting && sr.Name == m.Slot) ||
			(m.Kind == KindEnded && slices.ContainsFunc(m.Slots, func(s Slot) bool { return s.Name == sr.Name })) {
			out = append(out, sr.Channels...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// add makes a destination of an object's channel.
func (res *Resolution) add(s source, route string, ch v1.NotificationChannel, m Message) {
	d := Destination{Route: route, Channel: s.id + "/" + ch.Name, SecretNamespace: s.secretNamespace, Link: s.link.Expand(m.Request)}
	d.ID = messageID(m, d)
	switch {
	case ch.Webhook != nil:
		d.Type, d.Webhook = ChannelWebhook, ch.Webhook
	case ch.Email != nil:
		d.Type, d.Email = ChannelEmail, ch.Email
		var missing []string
		d.To, missing = reach(concerned(m), s.recipients)
		for _, who := range missing {
			res.Unreached = append(res.Unreached, d.Channel+": "+who)
		}
		if len(d.To) == 0 {
			return
		}
	default:
		res.Problems = append(res.Problems, fmt.Sprintf("%s: channel %s is of no kind tollgate sends through", s.id, ch.Name))
		return
	}
	res.Destinations = append(res.Destinations, d)
}

// concerned are the people a message is for: a waiting slot's users and groups, or the
// requester of an ended request.
func concerned(m Message) Slot {
	if m.Kind == KindWaiting {
		return m.slot()
	}
	if m.Requester == "" {
		return Slot{}
	}
	return Slot{Users: []string{m.Requester}}
}

// reach is the addresses recipients give people (sorted, unique), and who has none.
func reach(people Slot, recipients []v1.NotificationRecipient) (to, missing []string) {
	find := func(match func(v1.NotificationRecipient) bool, who string) {
		n := len(to)
		for _, r := range recipients {
			if match(r) && r.Email != "" {
				to = append(to, r.Email)
			}
		}
		if len(to) == n {
			missing = append(missing, who)
		}
	}
	for _, u := range people.Users {
		find(func(r v1.NotificationRecipient) bool { return r.User == u }, "user "+u)
	}
	for _, g := range people.Groups {
		find(func(r v1.NotificationRecipient) bool { return r.Group == g }, "group "+g)
	}
	slices.Sort(to)
	return slices.Compact(to), missing
}

// sortedByName is objects sorted by name.
func sortedByName[T any](objs []T, name func(T) string) []T {
	out := slices.Clone(objs)
	slices.SortFunc(out, func(a, b T) int { return cmp.Compare(name(a), name(b)) })
	return out
}
