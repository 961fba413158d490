package sfnlocal

import (
	"fmt"

	"github.com/tollgate-dev/tollgate/internal/sfnlocal/asl"
)

func (st *state) compileChoices(d *definition, at string) error {
	if len(st.Choices) == 0 {
		return fmt.Errorf("SCHEMA_VALIDATION_FAILED: Value cannot be empty at %s/Choices", at)
	}
	st.choices = make([]*asl.ChoiceRule, len(st.Choices))
	st.ruleAssigns = make([]*template, len(st.Choices))
	for i, raw := range st.Choices {
		raw, assign, err := cutAssign(raw)
		if err != nil {
			return fmt.Errorf("SCHEMA_VALIDATION_FAILED: %v at %s/Choices[%d]", err, at, i)
		}
		if st.ruleAssigns[i], err = compileAssign(assign, fmt.Sprintf("%s/Choices[%d]/Assign", at, i)); err != nil {
			return err
		}
		rule, err := asl.ParseChoiceRule(raw, true)
		if err != nil {
			return fmt.Errorf("SCHEMA_VALIDATION_FAILED: %v at %s/Choices[%d]", err, at, i)
		}
		if err := checkTarget(d, rule.Next, fmt.Sprintf("%s/Choices[%d]/Next", at, i)); err != nil {
			return err
		}
		st.choices[i] = rule
	}
	return checkTarget(d, st.Default, at+"/Default")
}

// noTransitionCause is AWS's cause when no rule matches and there is no
// Default. AWS reports it as States.Runtime, not States.NoChoiceMatched: the
// Choice guide only says "the state machine will throw an error due to a
// failure to transition out of the state", and emulators checked against AWS
// (e.g. floci's AslExecutor, "AWS wording, verified against us-east-1") record
// error States.Runtime with this cause.
const noTransitionCause = "Failed to transition out of the state. The state does not point to a next state."

// runChoice follows the first matching rule, else Default, else fails with
// States.Runtime (noTransitionCause).
func (s *Server) runChoice(e *execution, th *thread, st *state) {
	env := s.env(e, th, nil)
	in, err := selectPath(th, st, th.Input.V, st.InputPath, env)
	if err != nil {
		s.stateFailed(e, th, st, err)
		return
	}
	// The matched rule's Assign, or the state's when Default is taken.
	next, assign := st.Default, st.assign
	for i, rule := range st.choices {
		ok, eerr := rule.Eval(in, env)
		if eerr != nil {
			s.stateFailed(e, th, st, asl.AsError(eerr))
			return
		}
		if ok {
			next, assign = rule.Next, st.ruleAssigns[i]
			break
		}
	}
	if next == "" {
		s.stateFailed(e, th, st, &asl.Error{Name: asl.ErrRuntime, Cause: noTransitionCause})
		return
	}
	assigned, err := evalAssign(th, st, assign, in, env)
	var out any
	if err == nil {
		out, err = selectPath(th, st, in, st.OutputPath, env)
	}
	if err != nil {
		s.stateFailed(e, th, st, err)
		return
	}
	s.exitState(e, th, st, out, next, assigned)
}
