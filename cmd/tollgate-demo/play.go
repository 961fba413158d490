package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/devenv"
)

// decide is one decision a scenario makes, as the person who makes it: by annotation, or by
// ApproverDecision. want, when set, is the refusal the person must read instead.
type decide struct {
	by       string
	slot     string
	decision v1.Decision
	comment  string
	viaCR    bool
	want     string
}

// scenario is one of the seed's approval stories, with the outcome it must reach.
type scenario struct {
	title      string
	sample     string // manifest under config/samples
	name       string // the request's name in the demo
	decisions  []decide
	phase      v1.Phase
	approvals  string
	slots      map[string]v1.Decision
	execStatus sfntypes.ExecutionStatus
	execError  string
	// recreate: once its tokens are held, the requester tries to delete the gate and create it
	// again with an accomplice as approver (tryRecreate), then creates it again under its policy.
	recreate bool
}

// The sample request's approver slots, its approvals once all approve, and what mallory reads
// when she tries one.
const (
	allThree        = "3/3"
	impostorRefused = "mallory@example.com may not decide slot alice"
	slotAlice       = "alice"
	slotBob         = "bob"
	slotSecurity    = "security"
)

func scenarios() []scenario {
	three := "approvals_v1alpha1_approvalrequest.yaml"
	twoOfThree := "approvals_v1alpha1_approvalrequest_two_of_three.yaml"
	return []scenario{{
		title:  "(a) three approvers, all approve",
		sample: three, name: "play-all-approve",
		decisions: []decide{
			{by: alice, slot: slotAlice, decision: v1.DecisionApprove},
			{by: bob, slot: slotBob, decision: v1.DecisionApprove, comment: "looks good"},
			{by: carol, slot: slotSecurity, decision: v1.DecisionApprove, comment: "no findings", viaCR: true},
		},
		phase: v1.PhaseApproved, approvals: allThree,
		slots:      map[string]v1.Decision{slotAlice: v1.DecisionApprove, slotBob: v1.DecisionApprove, slotSecurity: v1.DecisionApprove},
		execStatus: sfntypes.ExecutionStatusSucceeded,
	}, {
		title:  "(b) three approvers, one rejects",
		sample: three, name: "play-one-rejects",
		decisions: []decide{
			{by: bob, slot: slotBob, decision: v1.DecisionReject, comment: "not during the freeze"},
		},
		phase:      v1.PhaseRejected,
		slots:      map[string]v1.Decision{slotAlice: v1.DecisionNotRequired, slotBob: v1.DecisionReject, slotSecurity: v1.DecisionNotRequired},
		execStatus: sfntypes.ExecutionStatusFailed, execError: "tollgate.Rejected",
	}, {
		title:  "(c) two of three, two approve",
		sample: twoOfThree, name: "play-two-of-three",
		decisions: []decide{
			{by: "dana@example.com", slot: "dba-1", decision: v1.DecisionApprove},
			{by: pat, slot: "platform", decision: v1.DecisionApprove, comment: "ok", viaCR: true},
		},
		phase: v1.PhaseApproved, approvals: "2/2",
		slots:      map[string]v1.Decision{"dba-1": v1.DecisionApprove, "platform": v1.DecisionApprove, "dba-2": v1.DecisionNotRequired},
		execStatus: sfntypes.ExecutionStatusSucceeded,
	}, {
		title:  "(d) an impostor and the requester are refused; the approvers decide",
		sample: three, name: "play-impostor",
		decisions: []decide{
			{by: impostor, slot: slotAlice, decision: v1.DecisionApprove, want: impostorRefused},
			{by: impostor, slot: slotAlice, decision: v1.DecisionApprove, viaCR: true, want: impostorRefused},
			{by: requester, slot: slotBob, decision: v1.DecisionApprove, want: "ravi@example.com may not decide slot bob"},
			{by: alice, slot: slotAlice, decision: v1.DecisionApprove},
			{by: alice, slot: slotBob, decision: v1.DecisionApprove, want: "alice@example.com may not decide slot bob"},
			{by: bob, slot: slotBob, decision: v1.DecisionApprove},
			{by: carol, slot: slotSecurity, decision: v1.DecisionApprove, viaCR: true},
		},
		phase: v1.PhaseApproved, approvals: allThree,
		slots:      map[string]v1.Decision{slotAlice: v1.DecisionApprove, slotBob: v1.DecisionApprove, slotSecurity: v1.DecisionApprove},
		execStatus: sfntypes.ExecutionStatusSucceeded,
	}, {
		title:  "(e) the requester recreates his gate with an accomplice as approver: refused; the gate comes back only under its policy",
		sample: three, name: "play-recreate", recreate: true,
		decisions: []decide{
			{by: impostor, slot: slotAlice, decision: v1.DecisionApprove, want: impostorRefused},
			{by: alice, slot: slotAlice, decision: v1.DecisionApprove},
			{by: bob, slot: slotBob, decision: v1.DecisionApprove},
			{by: carol, slot: slotSecurity, decision: v1.DecisionApprove, viaCR: true},
		},
		phase: v1.PhaseApproved, approvals: allThree,
		slots:      map[string]v1.Decision{slotAlice: v1.DecisionApprove, slotBob: v1.DecisionApprove, slotSecurity: v1.DecisionApprove},
		execStatus: sfntypes.ExecutionStatusSucceeded,
	}}
}

// play runs every scenario and returns how many did not end as expected.
func play(ctx context.Context, team *devenv.Team, r client.Reader, api *sfn.Client, samplesDir string, tokenTimeout time.Duration) int {
	all := scenarios()
	failed := 0
	for i, sc := range all {
		say("=== scenario %d/%d %s", i+1, len(all), sc.title)
		problems, err := sc.run(ctx, team, r, api, samplesDir, tokenTimeout)
		switch {
		case err != nil:
			say("FAIL %s: %v", sc.title, err)
			failed++
		case len(problems) > 0:
			for _, p := range problems {
				say("FAIL %s: %s", sc.title, p)
			}
			failed++
		default:
			say("PASS %s", sc.title)
		}
		if err != nil || len(problems) > 0 {
			printEvents(ctx, r, client.ObjectKey{Namespace: demoNamespace, Name: sc.name})
		}
		if ctx.Err() != nil {
			return failed + len(all) - i - 1
		}
	}
	return failed
}

func (sc scenario) run(ctx context.Context, team *devenv.Team, r client.Reader, api *sfn.Client,
	samplesDir string, tokenTimeout time.Duration) ([]string, error) {
	m, err := readRequest(filepath.Join(samplesDir, sc.sample))
	if err != nil {
		return nil, err
	}
	m.rename(sc.name)
	asker, err := as(team, requester)
	if err != nil {
		return nil, err
	}
	obj, err := sc.create(ctx, r, asker, m, tokenTimeout)
	if err != nil {
		return nil, err
	}
	if sc.recreate {
		if err := tryRecreate(ctx, r, team, obj, false); err != nil {
			return nil, err
		}
		if obj, err = sc.create(ctx, r, asker, m, tokenTimeout); err != nil {
			return nil, err
		}
	}
	key := client.ObjectKeyFromObject(obj)
	var problems []string
	for _, d := range sc.decisions {
		c, err := as(team, d.by)
		if err != nil {
			return nil, err
		}
		err = sc.send(ctx, c, obj, d)
		switch {
		case d.want == "" && err != nil:
			return nil, err
		case d.want != "" && err == nil:
			problems = append(problems, fmt.Sprintf("%s deciding %s was admitted; want the refusal %q", d.by, d.slot, d.want))
		case d.want != "" && !strings.Contains(err.Error(), d.want):
			problems = append(problems, fmt.Sprintf("%s deciding %s was refused with %q; want %q", d.by, d.slot, err, d.want))
		case d.want != "":
			say("  REFUSED, as it must be: %v", err)
		}
	}
	obj, err = waitFor(ctx, r, key, "the outcome", 60*time.Second, concluded)
	if err != nil {
		return nil, err
	}
	say("  request: %s", summary(obj))
	say("  condition: %s", conditionMessage(obj))
	problems = append(problems, sc.checkRequest(obj)...)
	if _, err := waitFor(ctx, r, key, "the requester told the end (status.endNotified)", 30*time.Second, toldTheEnd); err != nil {
		problems = append(problems, err.Error())
	}
	exec, err := waitExecution(ctx, api, obj.Status.ExecutionARN)
	if err != nil {
		return append(problems, err.Error()), nil
	}
	say("  execution %s: %s%s", obj.Status.ExecutionARN, exec.Status, execDetail(exec))
	if exec.Status != sc.execStatus {
		problems = append(problems, fmt.Sprintf("execution is %s, want %s", exec.Status, sc.execStatus))
	}
	if sc.execError != "" && aws.ToString(exec.Error) != sc.execError {
		problems = append(problems, fmt.Sprintf("execution error is %q, want %q", aws.ToString(exec.Error), sc.execError))
	}
	return problems, nil
}

// create creates the scenario's request as its requester and waits until every slot of its
// policy holds a task token.
func (sc scenario) create(ctx context.Context, r client.Reader, asker client.Client, m *manifest, tokenTimeout time.Duration) (*v1.ApprovalRequest, error) {
	obj, created, err := applyRequest(ctx, r, asker, m)
	if err != nil {
		return nil, fmt.Errorf("creating %s: %w", sc.name, err)
	}
	if !created {
		return nil, fmt.Errorf("%s exists already", sc.name)
	}
	key := client.ObjectKeyFromObject(obj)
	say("%s created ApprovalRequest %s/%s from config/samples/%s, under GatePolicy %s", requester, key.Namespace, key.Name, sc.sample, policyName(obj))
	obj, err = waitFor(ctx, r, key, "one task token per approver", tokenTimeout, func(r *v1.ApprovalRequest) bool {
		return isFinal(r.Status.Phase) || everySlotReady(r)
	})
	if err != nil {
		return nil, err
	}
	if isFinal(obj.Status.Phase) {
		return nil, fmt.Errorf("the request ended before its approvers were asked: %s; %s", summary(obj), conditionMessage(obj))
	}
	say("  every approver holds a task token: %s", summary(obj))
	return obj, nil
}

// send makes one decision, as a person would: an annotation on the request (a merge patch of
// annotations, as `kubectl annotate` sends), or an ApproverDecision.
func (sc scenario) send(ctx context.Context, c client.Client, obj *v1.ApprovalRequest, d decide) error {
	if d.viaCR {
		dec := &v1.ApproverDecision{
			ObjectMeta: metav1.ObjectMeta{GenerateName: obj.Name + "-" + d.slot + "-", Namespace: obj.Namespace},
			Spec:       v1.ApproverDecisionSpec{ApprovalRequestName: obj.Name, Approver: d.slot, Decision: d.decision, Comment: d.comment},
		}
		say("  %s decides %s for slot %s with an ApproverDecision", d.by, d.decision, d.slot)
		return c.Create(ctx, dec)
	}
	key := v1.DecisionAnnotationPrefix + d.slot
	annotations := map[string]any{key: strings.ToLower(string(d.decision))}
	line := fmt.Sprintf("%s=%s", key, annotations[key])
	if d.comment != "" {
		annotations[key+v1.DecisionCommentSuffix] = d.comment
		line += fmt.Sprintf(" %s%s=%q", key, v1.DecisionCommentSuffix, d.comment)
	}
	say("  %s decides %s for slot %s: kubectl annotate %s --as %s", d.by, d.decision, d.slot, line, d.by)
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": annotations}})
	if err != nil {
		return err
	}
	return c.Patch(ctx, obj.DeepCopy(), client.RawPatch(types.MergePatchType, patch))
}

func (sc scenario) checkRequest(obj *v1.ApprovalRequest) []string {
	var problems []string
	if obj.Status.Phase != sc.phase {
		problems = append(problems, fmt.Sprintf("phase is %s, want %s", obj.Status.Phase, sc.phase))
	}
	if sc.approvals != "" && obj.Status.Approvals != sc.approvals {
		problems = append(problems, fmt.Sprintf("approvals is %q, want %q", obj.Status.Approvals, sc.approvals))
	}
	got := map[string]v1.Decision{}
	for _, a := range obj.Status.Approvers {
		got[a.Name] = a.Decision
	}
	for slot, want := range sc.slots {
		if got[slot] != want {
			problems = append(problems, fmt.Sprintf("slot %s decision is %q, want %q", slot, got[slot], want))
		}
	}
	return problems
}

// waitExecution waits for the execution to end (the request's phase can be recorded a moment
// before Step Functions closes the execution).
func waitExecution(ctx context.Context, api *sfn.Client, arn string) (*sfn.DescribeExecutionOutput, error) {
	if arn == "" {
		return nil, fmt.Errorf("the request has no status.executionARN")
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := api.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		if err != nil {
			return nil, fmt.Errorf("DescribeExecution %s: %w", arn, err)
		}
		if out.Status != sfntypes.ExecutionStatusRunning {
			return out, nil
		}
		if time.Now().After(deadline) {
			return out, fmt.Errorf("execution %s still RUNNING 30s after the request's outcome", arn)
		}
		say("  execution still RUNNING, checking again in 1s")
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

func execDetail(out *sfn.DescribeExecutionOutput) string {
	s := ""
	if e := aws.ToString(out.Error); e != "" {
		s += " error=" + e
	}
	if c := aws.ToString(out.Cause); c != "" {
		if len(c) > 160 {
			c = c[:160] + "..."
		}
		s += " cause=" + c
	}
	if o := aws.ToString(out.Output); o != "" {
		if len(o) > 160 {
			o = o[:160] + "..."
		}
		s += " output=" + o
	}
	return s
}
