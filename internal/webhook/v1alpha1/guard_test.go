package v1alpha1

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/identity"
)

// The guards' rules on the objects the API server hands them, with records signed as the
// mutating webhook signs them. The same attacks on a real API server are internal/controller's
// "Fail closed" and "Write paths" specs.

// adminsMayDeleteAny grants delete-any to "admin" only, and approve to everyone.
type adminsMayDeleteAny struct{}

func (adminsMayDeleteAny) Allowed(_ context.Context, u identity.User, verb string, _ identity.Object) (bool, string, error) {
	return verb != v1.DeleteAnyVerb || u.Username == "admin", "", nil
}

// guardFixture is a stored request "deploy" (uid-1) created by ravi, the records the mutating
// webhook would have signed for it, and the guards.
type guardFixture struct {
	request *RequestGuard
	status  *StatusAdmission
	stored  *v1.ApprovalRequest
	// records of slot alice's approval by alice: without a comment, and with "ok".
	alice, aliceOK string
}

func newGuardFixture(t testing.TB) *guardFixture {
	h, _ := testAdmission(t)
	o := h.Options
	o.Checker = &identity.Checker{Records: h.Checker.Records, Reviewer: adminsMayDeleteAny{}}
	scheme := runtime.NewScheme()
	if err := v1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	f := &guardFixture{request: &RequestGuard{Options: o, decoder: admission.NewDecoder(scheme)}, status: &StatusAdmission{Options: o, decoder: admission.NewDecoder(scheme)}}
	f.stored = &v1.ApprovalRequest{}
	if err := json.Unmarshal(requestWith(""), f.stored); err != nil {
		t.Fatal(err)
	}
	rec, err := identity.NewRequester(f.stored, identity.User{Username: "ravi"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	text, err := identity.WriteRequester(rec)
	if err != nil {
		t.Fatal(err)
	}
	f.stored.Annotations = map[string]string{v1.RequesterAnnotation: text}
	f.stored.Finalizers = []string{v1.StopExecutionFinalizer}
	sign := func(comment string) string {
		text, err := identity.WriteDecision(identity.NewDecision(f.stored, "alice", v1.DecisionApprove, comment, identity.ViaAnnotation, identity.User{Username: "alice"}, time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		return text
	}
	f.alice, f.aliceOK = sign(""), sign("ok")
	return f
}

// with is the stored request with annotations added (a "-" value removes one) and mutate
// applied, as JSON.
func (f *guardFixture) with(annotations map[string]string, mutate ...func(*v1.ApprovalRequest)) []byte {
	obj := f.stored.DeepCopy()
	for k, v := range annotations {
		if v == "-" {
			delete(obj.Annotations, k)
		} else {
			obj.Annotations[k] = v
		}
	}
	for _, m := range mutate {
		m(obj)
	}
	raw, err := json.Marshal(obj)
	if err != nil {
		panic(err)
	}
	return raw
}

func answer(resp admission.Response) string {
	if resp.Allowed {
		return ""
	}
	return resp.Result.Message + causes(resp)
}

func TestRequestGuardAnswers(t *testing.T) {
	f := newGuardFixture(t)
	stored := f.with(nil)
	const operator = "system:serviceaccount:tollgate-system:tollgate-controller-manager"
	cases := []struct {
		name       string
		op         admissionv1.Operation
		user       string
		old, obj   []byte
		want       string // "" admitted
		wantReason string
	}{
		{name: "ravi creates, on record", op: admissionv1.Create, user: "ravi", obj: stored},
		{name: "a requester record of someone else", op: admissionv1.Create, user: "mallory", obj: stored, want: "the record names ravi as the creator, and mallory is creating the request"},
		{name: "no requester record", op: admissionv1.Create, user: "ravi", obj: f.with(map[string]string{v1.RequesterAnnotation: "-"}), want: "tollgate's admission records who creates a request"},
		{name: "a comment at creation", op: admissionv1.Create, user: "ravi", obj: f.with(map[string]string{"approvals.tollgate.dev/alice.comment": "pre-approved"}), want: "a comment cannot be set when the request is created"},
		{name: "a record at creation", op: admissionv1.Create, user: "ravi", obj: f.with(map[string]string{"approvals.tollgate.dev/alice.record": f.alice}), want: "a record is written by tollgate's admission"},
		{name: "alice decides with her record", op: admissionv1.Update, user: "alice", old: stored,
			obj: f.with(map[string]string{"approvals.tollgate.dev/alice": "approve", "approvals.tollgate.dev/alice.record": f.alice})},
		{name: "mallory writes alice's decision with alice's record", op: admissionv1.Update, user: "mallory", old: stored,
			obj:  f.with(map[string]string{"approvals.tollgate.dev/alice": "approve", "approvals.tollgate.dev/alice.record": f.alice}),
			want: "the record of slot alice was admitted for alice, and mallory is writing it"},
		{name: "a decision without a record", op: admissionv1.Update, user: "alice", old: stored,
			obj: f.with(map[string]string{"approvals.tollgate.dev/alice": "approve"}), want: "carries no record of tollgate's admission"},
		{name: "alice's record beside another comment", op: admissionv1.Update, user: "alice", old: stored,
			obj:  f.with(map[string]string{"approvals.tollgate.dev/alice": "approve", "approvals.tollgate.dev/alice.comment": "ok!", "approvals.tollgate.dev/alice.record": f.aliceOK}),
			want: "its comment was changed after it was admitted"},
		{name: "mallory's comment on alice's slot", op: admissionv1.Update, user: "mallory", old: stored,
			obj: f.with(map[string]string{"approvals.tollgate.dev/alice.comment": "ship it"}), want: "a comment is written with its decision, by its decider"},
		{name: "alice decides under a comment written before", op: admissionv1.Update, user: "alice",
			old:  f.with(map[string]string{"approvals.tollgate.dev/alice.comment": "ok"}),
			obj:  f.with(map[string]string{"approvals.tollgate.dev/alice.comment": "ok", "approvals.tollgate.dev/alice": "approve", "approvals.tollgate.dev/alice.record": f.aliceOK}),
			want: "the comment of slot alice was written before this decision, not with it"},
		{name: "a record alone", op: admissionv1.Update, user: "mallory", old: stored,
			obj: f.with(map[string]string{"approvals.tollgate.dev/alice.record": f.alice}), want: "a record is written by tollgate's admission"},
		{name: "the requester record removed", op: admissionv1.Update, user: "mallory", old: stored,
			obj: f.with(map[string]string{v1.RequesterAnnotation: "-"}), want: "it cannot be changed or removed"},
		{name: "a recorded decision changed", op: admissionv1.Update, user: "alice",
			old:  f.with(map[string]string{"approvals.tollgate.dev/alice": "approve", "approvals.tollgate.dev/alice.record": f.alice}),
			obj:  f.with(map[string]string{"approvals.tollgate.dev/alice": "reject", "approvals.tollgate.dev/alice.record": f.alice}),
			want: "the decision of slot alice is recorded"},
		{name: "a key that is no slot, added", op: admissionv1.Update, user: "mallory", old: stored,
			obj: f.with(map[string]string{"approvals.tollgate.dev/Not_A_Slot": "x"}), want: `"Not_A_Slot" is not an approver slot name`},
		{name: "an old key that is no slot, left alone", op: admissionv1.Update, user: "alice",
			old: f.with(map[string]string{"approvals.tollgate.dev/Not_A_Slot": "x"}),
			obj: f.with(map[string]string{"approvals.tollgate.dev/Not_A_Slot": "x", "approvals.tollgate.dev/alice": "approve", "approvals.tollgate.dev/alice.record": f.alice})},
		{name: "the finalizer removed by the requester", op: admissionv1.Update, user: "ravi", old: stored,
			obj: f.with(nil, func(r *v1.ApprovalRequest) { r.Finalizers = nil }), want: "metadata.finalizers: Forbidden"},
		{name: "the finalizer removed by the operator", op: admissionv1.Update, user: operator, old: stored,
			obj: f.with(nil, func(r *v1.ApprovalRequest) { r.Finalizers = nil })},
		{name: "an owner added by an approver", op: admissionv1.Update, user: "alice", old: stored,
			obj: f.with(nil, func(r *v1.ApprovalRequest) {
				r.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "x", UID: "u"}}
			}), want: "metadata.ownerReferences: Forbidden"},
		{name: "the garbage collector's foreground finalizer removed", op: admissionv1.Update, user: "system:serviceaccount:kube-system:generic-garbage-collector",
			old: f.with(nil, func(r *v1.ApprovalRequest) { r.Finalizers = append(r.Finalizers, "foregroundDeletion") }), obj: stored},
		{name: "a status of the wrong type is not read", op: admissionv1.Update, user: "alice", old: stored,
			obj: []byte(strings.Replace(string(f.with(nil)), `"status":{`, `"status":{"observedGeneration":"x",`, 1))},
		{name: "an object that is no JSON", op: admissionv1.Update, user: "alice", old: stored, obj: []byte(`{"metadata":`),
			want: "tollgate's admission cannot read this ApprovalRequest, so it refuses it", wantReason: reasonUnreadable},
		{name: "the creator deletes", op: admissionv1.Delete, user: "ravi", old: stored},
		{name: "another requester deletes", op: admissionv1.Delete, user: "mallory", old: stored,
			want: "mallory may delete only the ApprovalRequests they created: deploy was created by ravi", wantReason: reasonNotCreator},
		{name: "an administrator deletes", op: admissionv1.Delete, user: "admin", old: stored},
		{name: "the namespace controller deletes", op: admissionv1.Delete, user: "system:serviceaccount:kube-system:namespace-controller", old: stored},
		{name: "a request without its requester on record, by its would-be creator", op: admissionv1.Delete, user: "ravi",
			old: f.with(map[string]string{v1.RequesterAnnotation: "-"}), want: "created by someone tollgate has no record of"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := review(c.op, c.user, c.obj, c.old)
			if c.op == admissionv1.Delete {
				req.Object = runtime.RawExtension{}
			}
			resp := f.request.Handle(context.Background(), req)
			got := answer(resp)
			switch {
			case c.want == "" && got != "":
				t.Fatalf("refused: %s", got)
			case c.want != "" && !strings.Contains(got, c.want):
				t.Fatalf("answer %q; want %q", got, c.want)
			case c.wantReason != "" && (resp.Result.Details == nil || string(resp.Result.Details.Causes[0].Type) != c.wantReason):
				t.Fatalf("reason %+v; want %s", resp.Result.Details, c.wantReason)
			}
		})
	}
}

func TestStatusGuardAnswers(t *testing.T) {
	f := newGuardFixture(t)
	const operator = "system:serviceaccount:tollgate-system:tollgate-controller-manager"
	f.stored.CreationTimestamp = metav1.NewTime(time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)) // expires 72h later
	entry := func(slot string, d v1.Decision, by string) v1.ApproverStatus {
		text, err := identity.WriteDecision(identity.NewDecision(f.stored, slot, d, "", identity.ViaAnnotation, identity.User{Username: by}, time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		return v1.ApproverStatus{Name: slot, TaskToken: "token-" + slot, Decision: d, DecidedBy: by, Record: text, Source: "annotation"}
	}
	pending := func(r *v1.ApprovalRequest) {
		r.Status = v1.ApprovalRequestStatus{Phase: v1.PhasePending, ExecutionARN: "arn:x", Approvers: []v1.ApproverStatus{
			{Name: "alice", TaskToken: "token-alice"}, {Name: "bob", TaskToken: "token-bob"}}}
	}
	// status is a ledger with entries, each backed by its decision annotations.
	status := func(phase v1.Phase, entries ...v1.ApproverStatus) func(*v1.ApprovalRequest) {
		return func(r *v1.ApprovalRequest) {
			pending(r)
			r.Status.Phase = phase
			for _, e := range entries {
				if e.Decision == v1.DecisionApprove || e.Decision == v1.DecisionReject {
					r.Annotations[v1.DecisionAnnotationPrefix+e.Name] = strings.ToLower(string(e.Decision))
					r.Annotations[v1.DecisionAnnotationPrefix+e.Name+v1.DecisionRecordSuffix] = e.Record
				}
				for i := range r.Status.Approvers {
					if r.Status.Approvers[i].Name == e.Name {
						r.Status.Approvers[i] = e
					}
				}
			}
		}
	}
	approved := []v1.ApproverStatus{entry("alice", v1.DecisionApprove, "alice"), entry("bob", v1.DecisionApprove, "bob")}
	forged := entry("alice", v1.DecisionApprove, "alice")
	forged.DecidedBy = "mallory"
	closed := v1.ApproverStatus{Name: "bob", TaskToken: "token-bob", Decision: v1.DecisionNotRequired}
	withCondition := func(typ string) func(*v1.ApprovalRequest) {
		return func(r *v1.ApprovalRequest) {
			r.Status.Conditions = []metav1.Condition{{Type: typ, Status: metav1.ConditionTrue, Reason: "x", LastTransitionTime: metav1.Now()}}
		}
	}
	// followedUp is what the notifier and the timers record: a slot notified, reminded and
	// escalated, the request's expiry warned.
	followedUp := func(r *v1.ApprovalRequest) {
		at := metav1.NewTime(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
		r.Status.Approvers[0].Notified = []v1.NotificationRecord{{Route: "default", Channel: "mail", At: at, Attempts: 1}}
		r.Status.Approvers[0].Reminded = &v1.Reminders{Count: 1, LastAt: at}
		r.Status.Approvers[0].Escalated = &v1.Escalation{At: at, To: []string{"oncall"}}
		r.Status.ExpiryWarnedAt = &at
	}
	// waitingFor is the reader's view the operator writes (summarize, from approval.Read).
	waitingFor := func(r *v1.ApprovalRequest) {
		r.Status.Approvals, r.Status.WaitingFor = "0/2", "alice (alice), bob (bob)"
	}
	cases := []struct {
		name     string
		user     string
		old, obj []byte
		want     string
	}{
		{"follow-up fields recorded by the operator", operator, f.with(nil, pending), f.with(nil, pending, followedUp), ""},
		{"follow-up fields written by someone else", "admin", f.with(nil, pending), f.with(nil, pending, followedUp), "only the tollgate operator"},
		{"what the request waits for, as the operator reads it", operator, f.with(nil, pending), f.with(nil, pending, waitingFor), ""},
		{"what the request waits for, written by someone else", "admin", f.with(nil, pending), f.with(nil, pending, waitingFor), "only the tollgate operator"},
		{"a sealed token recorded", operator, f.with(nil, pending), f.with(nil, pending, func(r *v1.ApprovalRequest) { r.Status.Approvers[0].TaskToken = "sealed.v1.1.c2VhbGVk" }), ""},
		{"a token recorded in the clear", operator, f.with(nil, pending), f.with(nil, pending, func(r *v1.ApprovalRequest) { r.Status.Approvers[0].TaskToken = "token-2" }), "the task token of slot alice is written in the clear"},
		{"anyone but the operator", "admin", f.with(nil, pending), f.with(nil, pending), "only the tollgate operator"},
		{"Approved with nothing verified", operator, f.with(nil, pending), f.with(nil, status(v1.PhaseApproved)), "Approved needs 2 verified approvals; the ledger holds 0/2"},
		{"Approved by the quorum", operator, f.with(nil, status(v1.PhasePending, approved...)), f.with(nil, status(v1.PhaseApproved, approved...), withCondition(v1.ConditionApproved)), ""},
		{"a decision recorded with its record", operator, f.with(nil, pending), f.with(nil, status(v1.PhasePending, approved[0])), ""},
		{"a decision whose record names someone else", operator, f.with(nil, pending), f.with(nil, status(v1.PhasePending, forged)), "the decision of slot alice is not on record"},
		{"Rejected with nothing verified", operator, f.with(nil, pending), f.with(nil, status(v1.PhaseRejected)), "the end Rejected needs more than 0 verified rejections"},
		{"Rejected by a verified rejection", operator, f.with(nil, pending), f.with(nil, status(v1.PhaseRejected, entry("alice", v1.DecisionReject, "alice"), closed)), ""},
		{"Expired before its time", operator, f.with(nil, pending), f.with(nil, status(v1.PhaseExpired)), "comes before its time"},
		{"Failed: only the execution can tell", operator, f.with(nil, pending), f.with(nil, status(v1.PhaseFailed, closed)), ""},
		{"a slot closed while pending", operator, f.with(nil, pending), f.with(nil, status(v1.PhasePending, closed)), "slot bob is closed (NotRequired) only when its request ends"},
		{"Approved=True while pending", operator, f.with(nil, pending), f.with(nil, pending, withCondition(v1.ConditionApproved)), `Approved=True says the request is Approved, and its phase is "Pending"`},
		{"Ready=True while pending", operator, f.with(nil, pending), f.with(nil, pending, withCondition(v1.ConditionReady)), "Ready=True says the request is Approved"},
		{"a token removed", operator, f.with(nil, pending), f.with(nil, pending, func(r *v1.ApprovalRequest) { r.Status.Approvers[1].TaskToken = "" }), "the task token of slot bob is replaced only by the next one"},
		{"an entry removed", operator, f.with(nil, pending), f.with(nil, pending, func(r *v1.ApprovalRequest) { r.Status.Approvers = r.Status.Approvers[:1] }), "the ledger entry of slot bob is never removed"},
		{"a supported end taken back", operator, f.with(nil, status(v1.PhaseApproved, approved...)), f.with(nil, status(v1.PhasePending, approved...)), "the request ended Approved, which its verified ledger supports: a decided request's phase is final"},
		{"a Failed end taken back", operator, f.with(nil, status(v1.PhaseFailed, closed)), f.with(nil, pending), ""},
		{"a status that is no JSON", operator, f.with(nil, pending), []byte(`{"status":`), "cannot read this ApprovalRequest"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := review(admissionv1.Update, c.user, c.obj, c.old)
			req.Resource = metav1.GroupVersionResource{Resource: "approvalrequests"}
			req.SubResource = "status"
			got := answer(f.status.Handle(context.Background(), req))
			switch {
			case c.want == "" && got != "":
				t.Fatalf("refused: %s", got)
			case c.want != "" && !strings.Contains(got, c.want):
				t.Fatalf("answer %q; want %q", got, c.want)
			}
		})
	}
}

// FuzzRequestGuard: whatever the API server hands the request guard (a request as a write left
// it, and the stored one, as any JSON), it answers without panicking, every refusal says why, and
// whatever it admits on UPDATE gives no slot a decision that tollgate's admission did not record
// for the person writing, keeps the requester record, and changes no finalizer for anyone but
// the operator.
func FuzzRequestGuard(f *testing.F) {
	g := newGuardFixture(f)
	f.Add(string(g.with(nil)), string(g.with(map[string]string{"approvals.tollgate.dev/alice": "approve", "approvals.tollgate.dev/alice.record": g.alice})), "alice")
	f.Add(string(g.with(nil)), string(g.with(map[string]string{"approvals.tollgate.dev/alice": "approve", "approvals.tollgate.dev/alice.record": g.alice})), "mallory")
	f.Add(string(g.with(nil)), string(g.with(map[string]string{"approvals.tollgate.dev/alice.comment": "x"})), "mallory")
	f.Add(string(g.with(nil)), `{"metadata":{"name":"deploy","namespace":"team-a","uid":"uid-1"},"status":{"phase":5}}`, "alice")
	f.Add(`null`, `[]`, "")
	f.Fuzz(func(t *testing.T, old, obj, user string) {
		resp := g.request.Handle(context.Background(), review(admissionv1.Update, user, []byte(obj), []byte(old)))
		if !resp.Allowed {
			if resp.Result == nil || resp.Result.Message == "" {
				t.Fatal("a refusal without a message")
			}
			return
		}
		before, after := &v1.ApprovalRequest{}, &v1.ApprovalRequest{}
		if json.Unmarshal([]byte(old), before) != nil || json.Unmarshal([]byte(obj), after) != nil {
			return // admitted, so the guard read them: encoding/json is stricter on types it does not know
		}
		if before.Annotations[v1.RequesterAnnotation] != after.Annotations[v1.RequesterAnnotation] {
			t.Fatal("the requester record changed")
		}
		if user != g.request.Operator && strings.Join(before.Finalizers, ",") != strings.Join(after.Finalizers, ",") {
			t.Fatal("finalizers changed by someone other than the operator")
		}
		for key, value := range after.Annotations {
			slot, isDecision := strings.CutPrefix(key, v1.DecisionAnnotationPrefix)
			if !isDecision || strings.Contains(slot, ".") || before.Annotations[key] == value {
				continue
			}
			rec, err := g.request.Checker.Records.ReadDecision(after.Annotations[key+v1.DecisionRecordSuffix])
			if err != nil || rec.By.Username != user || rec.Slot != slot || rec.Request.UID != string(after.UID) {
				t.Fatalf("decision %s=%s admitted for %q with record %+v (%v)", key, value, user, rec, err)
			}
		}
	})
}
