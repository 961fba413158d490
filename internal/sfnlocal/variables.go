package sfnlocal

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/sfnlocal/asl"
)

// Workflow variables (JSONPath mode), as AWS's developer guide describes them
// ("Passing data between states with variables") and AWS was recorded to run
// them (LocalStack's test_assign_base and test_assign_reference_variables
// snapshots): a state's Assign sets variables that any later path ("$name",
// "$name.field") can read. Its ".$" fields are evaluated on the state's
// result as it came (Pass: its Result or effective input; Task: the task's
// result before ResultSelector; Map and Parallel: the array of results;
// Choice and Wait: the effective input; a Catch: the error output) with the
// variables as they were when the state began; they take effect as the state
// exits and show in its StateExited event. A Parallel branch or a Map
// iteration starts with a copy of the outer variables.

// assignStates are the state types that may carry Assign.
var assignStates = []string{typePass, typeTask, typeMap, typeParallel, typeChoice, typeWait}

// compileAssign compiles an Assign field: an object whose keys (less their
// ".$") name variables, and whose values are a template like Parameters.
func compileAssign(raw json.RawMessage, at string) (*template, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return nil, fmt.Errorf("SCHEMA_VALIDATION_FAILED: Assign must be an object at %s", at)
	}
	for key := range fields {
		if err := asl.ValidVariableName(strings.TrimSuffix(key, ".$")); err != nil {
			return nil, fmt.Errorf("SCHEMA_VALIDATION_FAILED: %v at %s", err, at)
		}
	}
	return compileTemplate(raw, at)
}

// compileAssign compiles the state's own Assign, where its type allows one.
func (st *state) compileAssign(at string) error {
	if len(st.Assign) > 0 && !slices.Contains(assignStates, st.Type) {
		return fmt.Errorf("SCHEMA_VALIDATION_FAILED: Field 'Assign' is not supported for %s states at %s", st.Type, at)
	}
	var err error
	st.assign, err = compileAssign(st.Assign, at+"/Assign")
	return err
}

// cutAssign takes the Assign field out of a Choice rule, which the asl
// package's rule parser does not know.
func cutAssign(rule json.RawMessage) (rest, assign json.RawMessage, err error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(rule, &fields); err != nil {
		return rule, nil, nil // the rule parser reports it
	}
	assign, ok := fields["Assign"]
	if !ok {
		return rule, nil, nil
	}
	delete(fields, "Assign")
	rest, err = json.Marshal(fields)
	if err != nil {
		return nil, nil, errors.New("choice rule cannot be re-encoded")
	}
	return rest, assign, nil
}

// evalAssign evaluates an Assign on value; nil when there is none.
func evalAssign(th *thread, st *state, spec *template, value any, env asl.Env) (map[string]any, *asl.Error) {
	if spec == nil {
		return nil, nil
	}
	out, err := spec.apply(th, st, value, env)
	if err != nil {
		return nil, err
	}
	assigned, _ := out.(map[string]any) // compileAssign allows objects only
	return assigned, nil
}

// env is what the paths of th's current state read besides its input: the
// context object (with extra top-level members) and th's variables.
func (s *Server) env(e *execution, th *thread, extra map[string]any) asl.Env {
	vars := make(map[string]any, len(th.Vars))
	for k, v := range th.Vars {
		vars[k] = v.V
	}
	return asl.Env{Context: s.contextObject(e, th, extra), Vars: vars}
}

// assign sets the variables a state assigned as it exits, and shows them
// in its StateExited event.
func (th *thread) assign(assigned map[string]any, details *stateExitedDetails) {
	if len(assigned) == 0 {
		return
	}
	if th.Vars == nil {
		th.Vars = map[string]jsonValue{}
	}
	details.AssignedVariables = make(map[string]string, len(assigned))
	details.AssignedVariablesDetails = &payloadDetails{}
	for k, v := range assigned {
		th.Vars[k] = jsonValue{V: v}
		details.AssignedVariables[k] = jsonValue{V: v}.text()
	}
}
