package asl

import (
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Env is what a Path reads besides the state's input: the context object
// ("$$") and the workflow variables ("$name", JSONPath mode). The functions
// that take a ctx accept either the context object alone or an Env, so that
// callers without variables stay as they were.
type Env struct {
	Context any
	Vars    map[string]any
}

func envOf(ctx any) Env {
	if e, ok := ctx.(Env); ok {
		return e
	}
	return Env{Context: ctx}
}

// reservedVariable is $states, which AWS keeps for JSONata.
const reservedVariable = "states"

// cutVariable splits a variable reference "$name.rest" or "$name[0]..." into
// its name and the rest of the path.
func cutVariable(p string) (name, rest string, ok bool) {
	if len(p) < 2 || p[0] != '$' {
		return "", "", false
	}
	r, _ := utf8.DecodeRuneInString(p[1:])
	if !isIdentStart(r) {
		return "", "", false
	}
	end := 1
	for end < len(p) {
		r, size := utf8.DecodeRuneInString(p[end:])
		if !isIdentPart(r) {
			break
		}
		end += size
	}
	return p[1:end], p[end:], true
}

func isIdentStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }

func isIdentPart(r rune) bool { return isIdentStart(r) || unicode.IsDigit(r) }

// maxVariableName bounds a variable's name, as AWS bounds names of states.
const maxVariableName = 80

// ValidVariableName checks the name of a variable an Assign sets: an
// identifier (a letter or "_", then letters, digits or "_"), not $states.
func ValidVariableName(name string) error {
	switch {
	case name == "":
		return errors.New("a variable needs a name")
	case name == reservedVariable:
		return fmt.Errorf("the variable name %q is reserved", name)
	case utf8.RuneCountInString(name) > maxVariableName:
		return fmt.Errorf("the variable name %q is longer than %d characters", name, maxVariableName)
	}
	for i, r := range name {
		if i == 0 && !isIdentStart(r) || !isIdentPart(r) {
			return fmt.Errorf("the variable name %q is not an identifier", name)
		}
	}
	return nil
}
