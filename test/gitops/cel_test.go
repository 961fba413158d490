package gitops

import (
	"fmt"
	"testing"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/ext"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// celGate is the shipped gate Kustomization with health check expressions.
const celGate = "gitops/flux/healthcheckexprs/payments-gate.yaml"

// healthCheckExprs is one entry of a Kustomization's spec.healthCheckExprs.
type healthCheckExprs struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Current    string `json:"current"`
	InProgress string `json:"inProgress"`
	Failed     string `json:"failed"`
}

// The shipped expressions, evaluated as kustomize-controller evaluates them, give every
// produced request the status of its outcome.
func TestFluxHealthCheckExprsOfProducedRequests(t *testing.T) {
	exprs := shippedHealthCheckExprs(t)
	for _, o := range outcomes {
		t.Run(o.file, func(t *testing.T) {
			got, err := exprs.evaluate(produced[o.file])
			if err != nil {
				// As Flux's status reader reports a resource whose expressions fail to evaluate:
				// Unknown, which is neither ready nor failed (the health check keeps waiting).
				t.Logf("%v: Flux reports the status Unknown", err)
				got = status.UnknownStatus
			}
			if got != o.cel {
				t.Errorf("healthCheckExprs give %s, want %s", got, o.cel)
			}
		})
	}
}

// shippedHealthCheckExprs reads the entry for approvalrequests.approvals.tollgate.dev from the
// shipped Kustomization.
func shippedHealthCheckExprs(t *testing.T) healthCheckExprs {
	t.Helper()
	k := readObjects(t, celGate)[0]
	entries, _, err := unstructured.NestedSlice(k.Object, "spec", "healthCheckExprs")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		m, ok := e.(map[string]any)
		if !ok {
			t.Fatalf("%s: a healthCheckExprs entry is %T, not an object", celGate, e)
		}
		var h healthCheckExprs
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, &h); err != nil {
			t.Fatal(err)
		}
		gv, err := schema.ParseGroupVersion(h.APIVersion)
		if err != nil {
			t.Fatalf("%s: %v", celGate, err)
		}
		if gv.Group == v1.GroupVersion.Group && h.Kind == "ApprovalRequest" {
			return h
		}
	}
	t.Fatalf("%s has no healthCheckExprs for approvals.tollgate.dev ApprovalRequest", celGate)
	return healthCheckExprs{}
}

// evaluate computes a resource's status as kustomize-controller does with healthCheckExprs
// (Flux RFC 0009): a generation not yet observed is in progress; then inProgress, failed and
// current are evaluated in that order against the object's top-level fields, and the first
// that is true decides; none true is in progress. The expressions are parsed, not type-checked,
// in a CEL environment with the options kustomize-controller enables.
func (h healthCheckExprs) evaluate(obj *unstructured.Unstructured) (status.Status, error) {
	gen, hasGen, _ := unstructured.NestedInt64(obj.Object, "metadata", "generation")
	observed, hasObserved, _ := unstructured.NestedInt64(obj.Object, "status", "observedGeneration")
	if hasGen && hasObserved && gen != observed {
		return status.InProgressStatus, nil
	}
	for _, e := range []struct {
		expr   string
		status status.Status
	}{{h.InProgress, status.InProgressStatus}, {h.Failed, status.FailedStatus}, {h.Current, status.CurrentStatus}} {
		if e.expr == "" {
			continue
		}
		holds, err := evalBool(e.expr, obj.Object)
		if err != nil {
			return "", err
		}
		if holds {
			return e.status, nil
		}
	}
	return status.InProgressStatus, nil
}

// evalBool evaluates one expression with the object's top-level fields as variables.
func evalBool(expr string, vars map[string]any) (bool, error) {
	env, err := cel.NewEnv(
		cel.HomogeneousAggregateLiterals(), cel.EagerlyValidateDeclarations(true), cel.DefaultUTCTimeZone(true),
		cel.CrossTypeNumericComparisons(true), cel.OptionalTypes(), ext.Strings(), ext.Sets(), ext.Encoders(),
	)
	if err != nil {
		return false, fmt.Errorf("creating the CEL environment: %w", err)
	}
	ast, issues := env.Parse(expr)
	if issues.Err() != nil {
		return false, fmt.Errorf("parsing %q: %w", expr, issues.Err())
	}
	prg, err := env.Program(ast)
	if err != nil {
		return false, fmt.Errorf("planning %q: %w", expr, err)
	}
	out, _, err := prg.Eval(vars)
	if err != nil {
		return false, fmt.Errorf("evaluating %q: %w", expr, err)
	}
	b, ok := out.(types.Bool)
	if !ok {
		return false, fmt.Errorf("%q gives %v, not a bool", expr, out.Type())
	}
	return bool(b), nil
}
