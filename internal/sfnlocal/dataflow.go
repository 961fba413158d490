package sfnlocal

import (
	"encoding/json"
	"fmt"
	"maps"
	"time"

	"github.com/tollgate-dev/tollgate/internal/sfnlocal/asl"
)

// template is a compiled payload template (Parameters, ResultSelector,
// ItemSelector).
type template struct{ tmpl any }

func compileTemplate(raw json.RawMessage, at string) (*template, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	v, err := asl.ParseJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("SCHEMA_VALIDATION_FAILED: %v at %s", err, at)
	}
	if err := asl.ValidTemplate(v); err != nil {
		return nil, fmt.Errorf("SCHEMA_VALIDATION_FAILED: The value for the field must be a valid JSONPath or a valid intrinsic function call (%v) at %s", err, at)
	}
	return &template{tmpl: v}, nil
}

// apply evaluates the template of state st; a nil template passes input
// through. Its runtime errors name the state, as AWS's do.
func (t *template) apply(th *thread, st *state, input any, ctx asl.Env) (any, *asl.Error) {
	if t == nil {
		return input, nil
	}
	out, err := asl.Template(t.tmpl, input, ctx)
	return out, inState(th, st, asl.AsError(err))
}

// selectPath applies InputPath or OutputPath of st: absent is "$", null is
// {}. env gives the context object and the variables a path may name. A
// path that selects nothing fails as AWS words it.
func selectPath(th *thread, st *state, v any, p optPath, env asl.Env) (any, *asl.Error) {
	if p.null {
		return map[string]any{}, nil
	}
	return statePath(th, st, p.orRoot(), v, env)
}

// applyResultPath places result into the raw state input: absent is "$"
// (the result replaces the input), null discards the result.
func applyResultPath(raw, result any, p optPath) (any, *asl.Error) {
	if p.null {
		return raw, nil
	}
	out, err := asl.SetResult(p.orRoot(), raw, result)
	return out, asl.AsError(err)
}

// stateInput is the effective input of st: InputPath then Parameters.
func (s *Server) stateInput(e *execution, th *thread, st *state, task map[string]any) (any, *asl.Error) {
	env := s.env(e, th, task)
	in, err := selectPath(th, st, th.Input.V, st.InputPath, env)
	if err != nil {
		return nil, err
	}
	return st.params.apply(th, st, in, env)
}

// stateOutput turns the result of st into its output: ResultSelector,
// ResultPath onto the raw input, then OutputPath.
//
// The state's Assign is evaluated first, on the result as it came (the
// variables it sets take effect when the state exits).
func (s *Server) stateOutput(e *execution, th *thread, st *state, result any) (out any, assigned map[string]any, err *asl.Error) {
	env := s.env(e, th, nil)
	if assigned, err = evalAssign(th, st, st.assign, result, env); err != nil {
		return nil, nil, err
	}
	selected, err := st.selector.apply(th, st, result, env)
	if err != nil {
		return nil, nil, err
	}
	merged, err := applyResultPath(th.Input.V, selected, st.ResultPath)
	if err != nil {
		return nil, nil, err
	}
	out, err = selectPath(th, st, merged, st.OutputPath, env)
	return out, assigned, err
}

// nameField is the Name member of the context object's Execution, State and StateMachine.
const nameField = "Name"

// contextObject is "$$": Execution, State, StateMachine and, for a task,
// Task (extra holds additional top-level members such as Task or Map).
func (s *Server) contextObject(e *execution, th *thread, extra map[string]any) map[string]any {
	ctx := map[string]any{
		"Execution": map[string]any{
			"Id":        e.ARN,
			nameField:   e.Name,
			"Input":     e.Input.V,
			"StartTime": formatContextTime(e.StartDate),
			"RoleArn":   e.RoleARN,
		},
		"State": map[string]any{
			nameField:     th.State,
			"EnteredTime": formatContextTime(th.Entered),
			"RetryCount":  th.RetryCount,
		},
		"StateMachine": map[string]any{
			"Id":      e.MachineARN,
			nameField: e.MachineName,
		},
	}
	maps.Copy(ctx, extra)
	return ctx
}

func formatContextTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}
