package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/stepfunctions"
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

	// 1. control plane
	cp, err := startControlPlane(o.assets, o.crdDir, o.stateDir)
	if cp != nil {
		done.add(cp.stop)
	}
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}

	// 2. Step Functions
	ep, err := startEndpoint(o.sfnListen, filepath.Join(o.stateDir, "sfn-state.json"), filepath.Join(o.stateDir, "sfnlocal.log"))
	if err != nil {
		return err
	}
	done.add(ep.stop)
	sfnClient, awsCfg, err := newSFNClient(ctx, ep.url)
	if err != nil {
		return err
	}
	activityARN, machineARN, err := provision(ctx, sfnClient)
	if err != nil {
		return err
	}

	// 3. operator
	finish := step("starting the operator in-process (controllers, activity poller, token keeper)")
	api := stepfunctions.Wrap(sfnClient, stepfunctions.NewLimiter(awsCfg.Limits()))
	op, err := startOperator(ctx, cp.cfg, awsCfg, api, activityARN, machineARN)
	if err != nil {
		return err
	}
	done.add(op.stop)
	finish()
	c := op.mgr.GetClient()

	if o.play {
		return runPlay(ctx, o, c, op.mgr.GetAPIReader(), sfnClient)
	}
	return runInteractive(ctx, o, op, cp, c)
}

func runPlay(ctx context.Context, o options, c client.Client, r client.Reader, sfnClient *sfn.Client) error {
	start := time.Now()
	failed := play(ctx, c, r, sfnClient, o.samplesDir, o.tokenTimeout)
	if failed > 0 {
		return fmt.Errorf("%d scenario(s) did not end as expected (after %s); see %s", failed, time.Since(start).Round(time.Second), filepath.Join(o.stateDir, "operator.log"))
	}
	say("all %d scenarios ended as expected (%s)", len(scenarios()), time.Since(start).Round(time.Second))
	return nil
}

func runInteractive(ctx context.Context, o options, op *runningOperator, cp *controlPlane, c client.Client) error {
	samplePath := filepath.Join(o.samplesDir, o.sample)
	m, err := readRequest(samplePath)
	if err != nil {
		return err
	}
	obj, created, err := applyRequest(ctx, op.mgr.GetAPIReader(), c, m)
	if err != nil {
		return fmt.Errorf("applying %s: %w", samplePath, err)
	}
	key := client.ObjectKeyFromObject(obj)
	if created {
		say("applied %s: ApprovalRequest %s/%s (%d approvers)", samplePath, key.Namespace, key.Name, len(obj.Spec.Approvers))
	} else {
		say("ApprovalRequest %s/%s is kept from an earlier run: %s", key.Namespace, key.Name, summary(obj))
	}
	if !isFinal(obj.Status.Phase) {
		obj, err = waitFor(ctx, op.mgr.GetAPIReader(), key, "one task token per approver", o.tokenTimeout, func(r *v1.ApprovalRequest) bool {
			return isFinal(r.Status.Phase) || everySlotReady(r)
		})
		switch {
		case err != nil && ctx.Err() == nil && obj != nil:
			// Keep running: the person at the keyboard can look at it with kubectl.
			say("UNEXPECTED: %v", err)
			printEvents(ctx, op.mgr.GetAPIReader(), key)
			say("  the operator's log says more: %s; the demo keeps running so you can look", filepath.Join(o.stateDir, "operator.log"))
		case err != nil:
			return err
		case obj.Status.Phase == v1.PhaseApproved || obj.Status.Phase == v1.PhaseRejected:
			say("the request is already %s (its decisions were in before): %s", obj.Status.Phase, conditionMessage(obj))
		case isFinal(obj.Status.Phase):
			say("UNEXPECTED: the request ended before its approvers could decide: %s", summary(obj))
			say("  %s", conditionMessage(obj))
			printEvents(ctx, op.mgr.GetAPIReader(), key)
			say("  the operator's log says more: %s", filepath.Join(o.stateDir, "operator.log"))
		default:
			say("the operator holds a Step Functions task token for every open approver: %s", summary(obj))
		}
	} else {
		say("it is already %s: the commands below start it over", obj.Status.Phase)
	}
	kubectl := filepath.Join(o.assets, "kubectl")
	printInstructions(cp.kubeconfig, kubectl, samplePath, obj)
	if err := watchRequests(ctx, op.mgr.GetCache()); err != nil {
		return fmt.Errorf("watching the requests: %w", err)
	}
	select {
	case <-ctx.Done():
		return nil
	case err := <-op.stopped:
		op.stopped <- err // for op.stop
		return fmt.Errorf("the operator stopped: %v", err)
	}
}
