package controller_test

import (
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/devenv"
	"github.com/tollgate-dev/tollgate/internal/identity"
	"github.com/tollgate-dev/tollgate/internal/operator"
	"github.com/tollgate-dev/tollgate/internal/stepfunctions"
)

// Who may decide: the right person, once, for this request. Every refusal asserts the message
// a person reads and that nothing reached Step Functions for the slot. The people are
// impersonated; the namespace binds config/rbac's roles as a team would (createNamespace).
var _ = Describe("Identity", func() {
	var ns string
	var op *runningOperator
	withOperator("identity", &ns, &op)

	mallory := func() client.Client { return as("mallory@example.com", approversGroup) }

	Context("accepted", func() {
		It("alice approves her own slot: recorded with who, when, by which path, and delivered once", func() {
			key := newRequest(ns, "alice", []string{"alice", "bob"}, 0)
			waitTokens(key, 2)
			annotate(key, "approvals.tollgate.dev/alice", "approve", "approvals.tollgate.dev/alice.comment", "diff reviewed")
			var s v1.ApproverStatus
			Eventually(func(g Gomega) {
				s = slotOf(getRequest(key), "alice")
				g.Expect(s.SentAt).NotTo(BeNil())
			}, settle).Should(Succeed())
			Expect(s.DecidedBy).To(Equal("alice@example.com"))
			Expect(s.Source).To(Equal("annotation"))
			Expect(s.Comment).To(Equal("diff reviewed"))
			Expect(s.DecidedAt).NotTo(BeNil())
			Expect(s.Record).To(ContainSubstring(`"username":"alice@example.com"`))
			Expect(sfnLocal.sendsFor(tokenOf(getRequest(key), "alice"))).To(Equal(1))
			Eventually(func() []string { return eventNotes(key, "DecisionRecorded") }, settle).Should(ContainElement("alice: Approve by alice@example.com (from annotation): diff reviewed"))
			Expect(getRequest(key).Annotations).To(HaveKeyWithValue(v1.DecisionAnnotationPrefix+"alice"+v1.DecisionRecordSuffix, ContainSubstring(`"slot":"alice"`)))
		})

		It("a member of the slot's group with the verb approve decides by ApproverDecision, bound to the request", func() {
			key := newRequest(ns, "group", []string{"alice", "security"}, 0, func(r *v1.ApprovalRequest) {
				r.Spec.Approvers[1] = v1.Approver{Name: "security", Groups: []string{"security-oncall"}}
			})
			waitTokens(key, 2)
			d := decisionObject(key, "carol-ok", "security", v1.DecisionApprove, "no findings")
			Expect(as("carol@example.com", "security-oncall", approversGroup).Create(ctx, d)).To(Succeed())
			Expect(waitDecisionPhase(client.ObjectKeyFromObject(d), v1.DecisionAccepted).Status.DecidedBy).To(Equal("carol@example.com"))

			By("the decision is owned by its request (it goes with it) and carries its record")
			stored := &v1.ApproverDecision{}
			Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(d), stored)).To(Succeed())
			Expect(stored.OwnerReferences).To(ConsistOf(HaveField("UID", getRequest(key).UID)))
			Expect(stored.Annotations[v1.RecordAnnotation]).To(ContainSubstring(`"uid":"` + string(getRequest(key).UID) + `"`))
			Eventually(func() string { return slotOf(getRequest(key), "security").DecidedBy }, settle).Should(Equal("carol@example.com"))
		})

		It("the requester decides their own request when the policy allows it", func() {
			mayWriteInlineRules(ns, requesterUser)
			key := newRequest(ns, "self-allowed", []string{"requester", "bob"}, 0, func(r *v1.ApprovalRequest) {
				r.Spec.Policy = &v1.ApprovalPolicy{AllowSelfApproval: true}
			})
			waitTokens(key, 2)
			Expect(annotateAs(as(requesterUser, approversGroup), key, "approvals.tollgate.dev/requester", "approve")).To(Succeed())
			Eventually(func() string { return slotOf(getRequest(key), "requester").DecidedBy }, settle).Should(Equal(requesterUser))
		})
	})

	Context("refused at admission", func() {
		It("mallory on alice's slot, by annotation and by ApproverDecision", func() {
			key := newRequest(ns, "impostor", []string{"alice", "bob"}, 0)
			waitTokens(key, 2)
			Expect(annotateAs(mallory(), key, "approvals.tollgate.dev/alice", "approve")).To(MatchError(ContainSubstring(
				"mallory@example.com may not decide slot alice: it is for users [alice@example.com] and groups [none]")))
			By("an ApproverDecision's refusal speaks of the request briefly: the webhook cannot tell whether who asks may read it")
			Expect(mallory().Create(ctx, decisionObject(key, "mallory-for-alice", "alice", v1.DecisionApprove, ""))).To(MatchError(ContainSubstring(
				"mallory@example.com may not decide slot alice of ApprovalRequest impostor: not among the users and groups it names")))
			undecided(key, "alice")
		})

		It("decision annotations set when the request is created", func() {
			req := requestObject(ns, "born-approved", []string{"alice"}, 0, func(r *v1.ApprovalRequest) {
				r.Annotations = map[string]string{"approvals.tollgate.dev/alice": "approve"}
			})
			Expect(as(requesterUser).Create(ctx, req)).To(MatchError(ContainSubstring(
				`metadata.annotations[approvals.tollgate.dev/alice]: Forbidden: a decision cannot be set when the request is created`)))
		})

		It("a group member without the verb approve", func() {
			key := newRequest(ns, "no-verb", []string{"alice", "sre"}, 0, func(r *v1.ApprovalRequest) {
				r.Spec.Approvers[1] = v1.Approver{Name: "sre", Groups: []string{"sre"}}
			})
			waitTokens(key, 2)
			By("erin may patch requests (a requester) but holds no verb approve")
			Expect(env.ControlPlane.Grant(ctx, devenv.RoleRequester, ns, devenv.Users("erin@example.com")...)).To(Succeed())
			err := annotateAs(as("erin@example.com", "sre"), key, "approvals.tollgate.dev/sre", "approve")
			Expect(err).To(MatchError(ContainSubstring(`erin@example.com may not approve approvalrequests/no-verb in namespace ` + ns + `: RBAC grants no verb "approve" on approvalrequests.approvals.tollgate.dev`)))
			undecided(key, "sre")
		})

		It("someone with the verb approve who is not in the slot", func() {
			key := newRequest(ns, "not-in-slot", []string{"alice", "bob"}, 0)
			waitTokens(key, 2)
			err := as("dave@example.com", approversGroup).Create(ctx, decisionObject(key, "dave", "bob", v1.DecisionApprove, ""))
			Expect(err).To(MatchError(ContainSubstring("dave@example.com may not decide slot bob of ApprovalRequest not-in-slot: not among the users and groups it names")))
			undecided(key, "bob")
		})

		It("the requester on their own request", func() {
			key := newRequest(ns, "self", []string{"requester", "bob"}, 0)
			waitTokens(key, 2)
			err := annotateAs(as(requesterUser, approversGroup), key, "approvals.tollgate.dev/requester", "approve")
			Expect(err).To(MatchError(ContainSubstring("requester@example.com created this request and may not decide it (spec.policy.allowSelfApproval is false)")))
			undecided(key, "requester")
		})

		It("one person on a second slot: two of the SRE group means two people", func() {
			key := newRequest(ns, "two-sres", []string{"sre-1", "sre-2"}, 0, func(r *v1.ApprovalRequest) {
				r.Spec.Approvers[0] = v1.Approver{Name: "sre-1", Groups: []string{"sre"}}
				r.Spec.Approvers[1] = v1.Approver{Name: "sre-2", Groups: []string{"sre"}}
			})
			waitTokens(key, 2)
			carol := as("carol@example.com", "sre", approversGroup)
			Expect(annotateAs(carol, key, "approvals.tollgate.dev/sre-1", "approve")).To(Succeed())
			err := carol.Create(ctx, decisionObject(key, "carol-again", "sre-2", v1.DecisionApprove, ""))
			Expect(err).To(MatchError(ContainSubstring("carol@example.com already decided slot sre-1 of this request: one person counts once")))
			Expect(annotateAs(carol, key, "approvals.tollgate.dev/sre-2", "approve")).To(MatchError(ContainSubstring("one person counts once")))
			undecided(key, "sre-2")

			Expect(annotateAs(as("dave@example.com", "sre", approversGroup), key, "approvals.tollgate.dev/sre-2", "approve")).To(Succeed())
			obj := waitPhase(key, v1.PhaseApproved)
			Expect(slotOf(obj, "sre-2").DecidedBy).To(Equal("dave@example.com"))
		})

		It("editing or removing a recorded decision", func() {
			key := newRequest(ns, "final", []string{"alice", "bob", "carol"}, 0)
			waitTokens(key, 3)
			annotate(key, "approvals.tollgate.dev/alice", "approve", "approvals.tollgate.dev/alice.comment", "ok")
			d := approveDecision(key, "bob-approves", "bob", "")
			waitDecisionPhase(d, v1.DecisionAccepted)
			alice := as(person("alice"), approversGroup)
			for _, change := range [][]string{
				{"approvals.tollgate.dev/alice", "reject"},
				{"approvals.tollgate.dev/alice", "-"},
				{"approvals.tollgate.dev/alice.comment", "changed my mind"},
			} {
				Expect(annotateAs(alice, key, change...)).To(MatchError(ContainSubstring("the decision of slot alice is recorded (Approve by alice@example.com")), "change %v", change)
			}
			By("a record written by the client is replaced by the webhook's")
			Expect(annotateAs(alice, key, "approvals.tollgate.dev/alice.record", `{"forged":true}`)).To(Succeed())
			Expect(getRequest(key).Annotations["approvals.tollgate.dev/alice.record"]).To(ContainSubstring(`"username":"alice@example.com"`))

			By("an ApproverDecision deleted and created again with the other verdict")
			stored := &v1.ApproverDecision{}
			Expect(k8sClient.Get(ctx, d, stored)).To(Succeed())
			Expect(k8sClient.Delete(ctx, stored)).To(Succeed())
			err := as(person("bob"), approversGroup).Create(ctx, decisionObject(key, "bob-approves", "bob", v1.DecisionReject, ""))
			Expect(err).To(MatchError(ContainSubstring("slot bob of ApprovalRequest final is already decided; a decision is final")))
			annotate(key, "approvals.tollgate.dev/carol", "approve")
			obj := waitPhase(key, v1.PhaseApproved)
			Expect(slotOf(obj, "bob").Decision).To(Equal(v1.DecisionApprove))
			Expect(sfnLocal.sendsFor(tokenOf(obj, "bob"))).To(Equal(1))
		})

		It("a decision for a request that does not exist yet", func() {
			err := as(person("alice"), approversGroup).Create(ctx, decisionObject(client.ObjectKey{Namespace: ns, Name: "later"}, "early", "alice", v1.DecisionApprove, ""))
			Expect(err).To(MatchError(ContainSubstring(`ApprovalRequest "later" does not exist in namespace ` + ns + `: a decision is given to a request that exists`)))
		})

		It("an over-long comment, with the field named; the other approvers are unaffected", func() {
			key := newRequest(ns, "long-comment", []string{"alice", "bob"}, 0)
			waitTokens(key, 2)
			err := annotateAs(as(person("alice"), approversGroup), key, "approvals.tollgate.dev/alice", "approve", "approvals.tollgate.dev/alice.comment", strings.Repeat("x", 1500))
			Expect(err).To(MatchError(ContainSubstring("metadata.annotations[approvals.tollgate.dev/alice.comment]: Too long: may not be more than 1024")))
			undecided(key, "alice")
			annotate(key, "approvals.tollgate.dev/bob", "approve")
			Eventually(func() *metav1.Time { return slotOf(getRequest(key), "bob").SentAt }, settle).ShouldNot(BeNil())
		})

		It("a hand-written status, even by a cluster administrator", func() {
			key := newRequest(ns, "status", []string{"alice", "bob"}, 0)
			waitTokens(key, 2)
			By("mallory holds a role that may write status, as in manual-approval-gate's hole")
			grantEverything(ns, "mallory@example.com")
			for who, c := range map[string]client.Client{"mallory@example.com": mallory(), "the cluster administrator": k8sClient} {
				err := writeDecisionInStatus(c, key, "alice")
				Expect(err).To(MatchError(ContainSubstring("only the tollgate operator ("+devenv.OperatorUsername+") writes the status of approvalrequests")), who)
			}
			undecided(key, "alice")
		})
	})

	Context("a request's decisions never count for its namesake", func() {
		It("refuses the ApproverDecisions of a deleted request on a new request of the same name", func() {
			key := newRequest(ns, "x", []string{"alice", "bob"}, 0)
			first := waitTokens(key, 2)
			d := approveDecision(key, "alice-ok", "alice", "")
			waitDecisionPhase(d, v1.DecisionAccepted)
			Expect(k8sClient.Delete(ctx, first)).To(Succeed())
			Eventually(gone(first), settle).Should(BeTrue())

			By("envtest runs no garbage collector: the decision outlives its owner here, as it would until the collector runs")
			stored := &v1.ApproverDecision{}
			Expect(k8sClient.Get(ctx, d, stored)).To(Succeed())
			Expect(stored.OwnerReferences).To(ConsistOf(HaveField("UID", first.UID)))
			newRequest(ns, "x", []string{"alice", "bob"}, 0)
			second := waitTokens(key, 2)
			Expect(second.UID).NotTo(Equal(first.UID))
			Expect(waitDecisionPhase(d, v1.DecisionRefused).Status.Message).To(ContainSubstring(
				"it was given to another ApprovalRequest named x (uid " + string(first.UID) + "), not to this one"))
			undecided(key, "alice")
		})
	})

	Context("past a webhook bypassed by misconfiguration, the controller refuses", Serial, func() {
		It("a decision record forged by a client, and a request created without its requester on record", func() {
			key := newRequest(ns, "forged", []string{"alice", "bob"}, 0)
			waitTokens(key, 2)
			record := getRequest(key).Annotations[v1.RequesterAnnotation]
			ledgerRefusals := series{"tollgate_refusals_total", []string{"stage", "ledger", "reason", "UnverifiedDecision"}}
			refusedBefore := ledgerRefusals.value()
			withoutWebhooks(func() {
				By("mallory writes alice's decision with a record of her own making")
				forged := strings.Replace(record, "requester@example.com", "alice@example.com", 1)
				Eventually(func() error {
					return annotateAs(mallory(), key, "approvals.tollgate.dev/alice", "approve", "approvals.tollgate.dev/alice.record", forged)
				}, settle, 20*time.Millisecond).Should(Succeed(), "the webhook is gone")
				By("a request created while the webhook was missing has no requester on record")
				newRequest(ns, "unrecorded", []string{"alice"}, 0)
			})
			Eventually(func() []string { return eventNotes(key, "DecisionRefused") }, settle).Should(ContainElement(ContainSubstring("annotation for alice refused: not on record")))
			Expect(ledgerRefusals.value()).To(BeNumerically(">", refusedBefore), "the ledger's refusal is counted")
			undecided(key, "alice")

			By("decisions on the request without a requester on record are refused: self-approval could not be ruled out")
			unrecorded := client.ObjectKey{Namespace: ns, Name: "unrecorded"}
			waitTokens(unrecorded, 1)
			err := as(person("alice"), approversGroup).Create(ctx, decisionObject(unrecorded, "alice-on-unrecorded", "alice", v1.DecisionApprove, ""))
			Expect(err).To(MatchError(ContainSubstring("the request's creator is not on record")))
		})

		It("one person's decisions on two slots, both admitted: the ledger counts one", func() {
			// The webhooks read ApproverDecisions from a cache: a decision admitted within its
			// lag of another by the same person is admitted too. The ledger counts a person once.
			// Both are written here past the webhooks, to an operator that vouches for whatever
			// it finds (its own watch of admission would take both back).
			op.stop()
			op = startOperatorWith(stepfunctions.Wrap(sfnLocal.client, nil), func(c *operator.Config) { c.Admission = vouching{} })
			key := newRequest(ns, "admitted-twice", []string{"sre-1", "sre-2"}, 0, func(r *v1.ApprovalRequest) {
				r.Spec.Approvers[0] = v1.Approver{Name: "sre-1", Groups: []string{"sre"}}
				r.Spec.Approvers[1] = v1.Approver{Name: "sre-2", Groups: []string{"sre"}}
			})
			waitTokens(key, 2)
			carol := identity.User{Username: "carol@example.com", Groups: []string{"sre", approversGroup, "system:authenticated"}}
			req := getRequest(key)
			kv := make([]string, 0, 8)
			for _, slot := range []string{"sre-1", "sre-2"} {
				rec, err := identity.WriteDecision(identity.NewDecision(req, slot, v1.DecisionApprove, "", identity.ViaAnnotation, carol, time.Now()))
				Expect(err).NotTo(HaveOccurred())
				kv = append(kv, "approvals.tollgate.dev/"+slot, "approve", "approvals.tollgate.dev/"+slot+".record", rec)
			}
			withoutWebhooks(func() {
				Eventually(func() error { return annotateAs(as(carol.Username, carol.Groups[:2]...), key, kv...) }, settle, 20*time.Millisecond).
					Should(Succeed(), "the webhook is gone")
			})
			Eventually(func() []string { return eventNotes(key, "DecisionRefused") }, settle).
				Should(ContainElement(ContainSubstring("annotation for sre-2 refused: carol@example.com already decided slot sre-1 of this request: one person counts once")))
			Expect(slotOf(getRequest(key), "sre-1").DecidedBy).To(Equal(carol.Username))
			undecided(key, "sre-2")
			Expect(getRequest(key).Status.Phase).To(Equal(v1.PhasePending))
		})

		It("a status written as the operator with a decision nobody made: refused at admission, and never delivered past it", func() {
			key := newRequest(ns, "operator-status", []string{"alice", "bob"}, 0)
			waitTokens(key, 2)
			Expect(writeDecisionInStatus(as(devenv.OperatorUsername), key, "alice")).To(refusedWith("the decision of slot alice is not on record"))
			withoutWebhooks(func() {
				Eventually(func() error { return writeDecisionInStatus(as(devenv.OperatorUsername), key, "alice") }, settle, 20*time.Millisecond).
					Should(Succeed(), "the webhooks are gone")
			})
			Eventually(func() []string { return eventReasons(key) }, settle).Should(ContainElement("UnverifiedDecision"))
			token := tokenOf(getRequest(key), "alice")
			Consistently(func() int { return sfnLocal.sendsFor(token) }, "1500ms").Should(BeZero())
		})
	})

	Context("an outcome tollgate did not produce never approves", func() {
		forge := func(token string) {
			_, err := sfnLocal.client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{
				TaskToken: aws.String(token),
				Output:    aws.String(`{"approver":"alice","decision":"approve","decidedBy":"mallory","decidedAt":"2026-01-01T00:00:00Z","comment":"","quorum":"reached"}`),
			})
			Expect(err).NotTo(HaveOccurred())
		}
		expectUnverified := func(key client.ObjectKey) {
			obj := waitPhase(key, v1.PhaseFailed)
			c := meta.FindStatusCondition(obj.Status.Conditions, v1.ConditionReady)
			Expect(c.Status).To(Equal(metav1.ConditionFalse))
			Expect(c.Reason).To(Equal(v1.ReasonUnverifiedOutcome))
			Expect(c.Message).To(ContainSubstring("Step Functions reported the request approved, but tollgate recorded 0/1 verified approvals"))
			Expect(meta.FindStatusCondition(obj.Status.Conditions, v1.ConditionApproved)).To(BeNil())
			Eventually(func() []string { return eventReasons(key) }, settle).Should(ContainElement(v1.ReasonUnverifiedOutcome))
		}

		It("a SendTaskSuccess on a token read from status, reported by the outcome task", func() {
			key := newRequest(ns, "forged-send", []string{"alice"}, 0)
			forge(tokenOf(waitTokens(key, 1), "alice"))
			expectUnverified(key)
		})

		It("the same, found by DescribeExecution on a user's own machine", func() {
			mayWriteInlineRules(ns, requesterUser)
			key := newRequest(ns, "forged-fixed", []string{"alice"}, 0, func(r *v1.ApprovalRequest) {
				r.Spec.StateMachineARN = sfnLocal.fixedThreeARN
				r.Spec.Approvers = append(r.Spec.Approvers, v1.Approver{Name: "bob", Users: []string{person("bob")}}, v1.Approver{Name: "carol", Users: []string{person("carol")}})
				r.Spec.Policy = &v1.ApprovalPolicy{RequiredApprovals: new(int32(1))}
			})
			obj := waitTokens(key, 3)
			for _, s := range obj.Status.Approvers {
				forge(tokenOf(obj, s.Name))
			}
			waitExecution(obj, sfntypes.ExecutionStatusSucceeded, "")
			expectUnverified(key)
		})
	})
})
