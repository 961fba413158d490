package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/devenv"
)

// runDemo brings everything up, then plays the scenarios or hands over to a person.
func runDemo(ctx context.Context, o options, done *cleanups) error {
	mode := "interactive"
	if o.play {
		mode = "--play (scenarios, then exit)"
	}
	say("tollgate demo, %s; state and logs in %s", mode, o.stateDir)
	logPath := filepath.Join(o.stateDir, "operator.log")
	logFile, err := setupLogging(logPath)
	if err != nil {
		return err
	}
	done.add(logFile.Close)
	say("operator log (controller-runtime, client-go): %s   (tail -f it in another terminal to see the reconciles)", logPath)

	// 1. control plane, with tollgate's CRDs, webhook configurations and RBAC
	cp, kubeconfig, err := startControlPlane(ctx, o.stateDir, o.runDir())
	if cp != nil {
		done.add(func() error { say("stopping the control plane (kube-apiserver, etcd)"); return cp.Stop() })
	}
	if err != nil {
		return err
	}
	team, err := newTeam(ctx, cp)
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}

	if err := startMailSink(ctx, cp.Client, done); err != nil {
		return err
	}

	// 2. Step Functions
	ep, stopEndpoint, err := startEndpoint(ctx, o.sfnListen, filepath.Join(o.stateDir, "sfn-state.json"), filepath.Join(o.stateDir, "sfnlocal.log"))
	if err != nil {
		return err
	}
	done.add(stopEndpoint)

	// 3. tollgate: webhooks and operator
	op, err := startOperator(ctx, cp, ep, o.stateDir, done)
	if err != nil {
		return err
	}
	if err := setUpPolicies(ctx, cp, team, o.samplesDir); err != nil {
		return err
	}
	if o.play {
		return runPlay(ctx, o, team, cp.Client, ep)
	}
	return runInteractive(ctx, o, op, cp, team, kubeconfig)
}

func runPlay(ctx context.Context, o options, team *devenv.Team, r client.Reader, ep *devenv.Endpoint) error {
	start := time.Now()
	failed := play(ctx, team, r, ep.Client, o.samplesDir, o.tokenTimeout)
	if failed > 0 {
		return fmt.Errorf("%d scenario(s) did not end as expected (after %s); see %s",
			failed, time.Since(start).Round(time.Second), filepath.Join(o.stateDir, "operator.log"))
	}
	say("all %d scenarios ended as expected (%s)", len(scenarios()), time.Since(start).Round(time.Second))
	return nil
}

func runInteractive(ctx context.Context, o options, op *devenv.Operator, cp *devenv.ControlPlane, team *devenv.Team, kubeconfig string) error {
	samplePath := filepath.Join(o.samplesDir, o.sample)
	m, err := readRequest(samplePath)
	if err != nil {
		return err
	}
	asker, err := as(team, requester)
	if err != nil {
		return err
	}
	obj, created, err := applyRequest(ctx, cp.Client, asker, m)
	if err != nil {
		return fmt.Errorf("applying %s as %s: %w", samplePath, requester, err)
	}
	key := client.ObjectKeyFromObject(obj)
	if created {
		say("%s applied %s: ApprovalRequest %s/%s under GatePolicy %s", requester, samplePath, key.Namespace, key.Name, policyName(obj))
	} else {
		say("ApprovalRequest %s/%s is kept from an earlier run: %s", key.Namespace, key.Name, summary(obj))
	}
	if !isFinal(obj.Status.Phase) {
		obj, err = waitFor(ctx, cp.Client, key, "one task token per approver", o.tokenTimeout, func(r *v1.ApprovalRequest) bool {
			return isFinal(r.Status.Phase) || everySlotReady(r)
		})
		switch {
		case err != nil && ctx.Err() == nil && obj != nil:
			// Keep running: the person at the keyboard can look at it with kubectl.
			say("UNEXPECTED: %v", err)
			printEvents(ctx, cp.Client, key)
			say("  the operator's log says more: %s; the demo keeps running so you can look", filepath.Join(o.stateDir, "operator.log"))
		case err != nil:
			return err
		case obj.Status.Phase == v1.PhaseApproved || obj.Status.Phase == v1.PhaseRejected:
			say("the request is already %s (its decisions were in before): %s", obj.Status.Phase, conditionMessage(obj))
		case isFinal(obj.Status.Phase):
			say("UNEXPECTED: the request ended before its approvers could decide: %s", summary(obj))
			say("  %s", conditionMessage(obj))
			printEvents(ctx, cp.Client, key)
			say("  the operator's log says more: %s", filepath.Join(o.stateDir, "operator.log"))
		default:
			say("the operator holds a Step Functions task token for every open approver: %s", summary(obj))
			showImpostor(ctx, team, obj)
			if err := tryRecreate(ctx, cp.Client, team, obj, true); err != nil {
				say("%v", err)
			}
		}
	} else {
		say("it is already %s: the commands below start it over", obj.Status.Phase)
	}
	printInstructions(kubeconfig, filepath.Join(cp.Assets, "kubectl"), samplePath, obj)
	if err := watchRequests(ctx, op.Manager.GetCache()); err != nil {
		return fmt.Errorf("watching the requests: %w", err)
	}
	select {
	case <-ctx.Done():
		return nil
	case <-op.Done():
		return fmt.Errorf("the operator stopped: %v", op.Err())
	}
}

// showImpostor has mallory try a slot still open, and prints the refusal she reads.
func showImpostor(ctx context.Context, team *devenv.Team, obj *v1.ApprovalRequest) {
	c, err := as(team, impostor)
	if err != nil {
		say("  (could not act as %s: %v)", impostor, err)
		return
	}
	slot := openSlot(obj)
	err = (scenario{}).send(ctx, c, obj, decide{by: impostor, slot: slot, decision: v1.DecisionApprove})
	if err == nil {
		say("UNEXPECTED: %s's decision for slot %s was admitted", impostor, slot)
		return
	}
	say("  REFUSED, as it must be: %v", err)
}
