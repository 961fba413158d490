package controller_test

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	eventsv1 "k8s.io/api/events/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/devenv"
)

// Helpers for specs that attack: they write what a careless cluster would let through.

// grantEverything gives user every verb on every resource and subresource of tollgate's group
// in a namespace: the over-broad role the controller's checks must hold against.
func grantEverything(ns, user string) {
	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "everything-tollgate"},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{v1.GroupVersion.Group}, Resources: []string{"*"}, Verbs: []string{"*"}}},
	}
	Expect(client.IgnoreAlreadyExists(k8sClient.Create(ctx, role))).To(Succeed())
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "everything-tollgate-" + user},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name},
		Subjects:   devenv.Users(user),
	}
	Expect(client.IgnoreAlreadyExists(k8sClient.Create(ctx, binding))).To(Succeed())
	Expect(env.ControlPlane.WaitAllowed(ctx, user, nil, ns, "update")).To(Succeed())
}

// writeDecisionInStatus writes, as c, a decision for slot into the request's status, with a
// record nobody signed.
func writeDecisionInStatus(c client.Client, key client.ObjectKey, slot string) error {
	obj := getRequest(key)
	base := obj.DeepCopy()
	now := metav1.Now()
	for i := range obj.Status.Approvers {
		if s := &obj.Status.Approvers[i]; s.Name == slot {
			s.Decision, s.DecidedBy, s.DecidedAt, s.Source = v1.DecisionApprove, "mallory@example.com", &now, "annotation"
			s.Record = `{"v":1,"slot":"` + slot + `","decision":"Approve","by":{"username":"mallory@example.com"},"mac":"AAAA"}`
		}
	}
	return c.Status().Patch(ctx, obj, client.MergeFrom(base))
}

// withoutWebhooks runs f while tollgate's webhook configurations are deleted — the
// misconfiguration the controller's own checks exist for — and puts them back. f must wait
// until a write proves the webhooks gone. Specs using it are Serial.
func withoutWebhooks(f func()) {
	mutating := &admissionregistrationv1.MutatingWebhookConfiguration{}
	validating := &admissionregistrationv1.ValidatingWebhookConfiguration{}
	Expect(k8sClient.Get(ctx, client.ObjectKey{Name: "mutating-webhook-configuration"}, mutating)).To(Succeed())
	Expect(k8sClient.Get(ctx, client.ObjectKey{Name: "validating-webhook-configuration"}, validating)).To(Succeed())
	Expect(k8sClient.Delete(ctx, mutating)).To(Succeed())
	Expect(k8sClient.Delete(ctx, validating)).To(Succeed())
	defer func() {
		for _, o := range []client.Object{mutating, validating} {
			o.SetResourceVersion("")
			o.SetUID("")
			Expect(k8sClient.Create(ctx, o)).To(Succeed())
		}
		By("the webhooks are back once they refuse again")
		probe := newRequest(createNamespace("probe"), "probe", []string{"alice"}, 0)
		Eventually(func() error {
			return annotateAs(as("mallory@example.com", approversGroup), probe, "approvals.tollgate.dev/alice", "approve")
		}, settle, 20*time.Millisecond).Should(HaveOccurred())
	}()
	f()
}

// eventNotes lists the notes of the events of a reason regarding an object.
func eventNotes(key client.ObjectKey, reason string) []string {
	var list eventsv1.EventList
	Expect(k8sClient.List(ctx, &list, client.InNamespace(key.Namespace))).To(Succeed())
	var notes []string
	for _, e := range list.Items {
		if e.Regarding.Name == key.Name && e.Reason == reason {
			notes = append(notes, e.Note)
		}
	}
	return notes
}

// vouching is an admission that vouches for everything: for specs of the ledger's own checks,
// with the webhooks away.
type vouching struct{}

func (vouching) InForce() (bool, string) { return true, "" }

func (vouching) WrittenWhileAway(context.Context, types.UID, string) (bool, error) { return false, nil }
