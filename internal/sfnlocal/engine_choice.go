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
	for i, raw := range st.Choices {
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

// runChoice follows the first matching rule, else Default, else fails with
// States.NoChoiceMatched.
func (s *Server) runChoice(e *execution, th *thread, st *state) {
	in, err := selectPath(th.Input.V, st.InputPath)
	if err != nil {
		s.stateFailed(e, th, st, err)
		return
	}
	ctx := s.contextObject(e, th, nil)
	next := st.Default
	for _, rule := range st.choices {
		ok, eerr := rule.Eval(in, ctx)
		if eerr != nil {
			s.stateFailed(e, th, st, asl.AsError(eerr))
			return
		}
		if ok {
			next = rule.Next
			break
		}
	}
	if next == "" {
		s.stateFailed(e, th, st, &asl.Error{Name: asl.ErrNoChoiceMatched, Cause: fmt.Sprintf("No Matches! at state '%s'", st.name)})
		return
	}
	out, err := selectPath(in, st.OutputPath)
	if err != nil {
		s.stateFailed(e, th, st, err)
		return
	}
	s.exitState(e, th, st, out, next)
}
