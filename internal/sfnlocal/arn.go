package sfnlocal

import (
	"strings"
	"unicode"
)

const (
	resActivity     = "activity"
	resStateMachine = "stateMachine"
	resExecution    = "execution"
)

func (s *Server) arn(resource string, names ...string) string {
	return "arn:aws:states:" + s.opts.Region + ":" + s.opts.AccountID + ":" + resource + ":" + strings.Join(names, ":")
}

// parseARN checks that arn is a Step Functions ARN of the given resource type
// and returns the names after the type (one, or two for an execution).
func parseARN(arn, resource string) ([]string, *APIError) {
	parts := strings.Split(arn, ":")
	if len(parts) < 7 || parts[0] != "arn" || parts[2] != "states" {
		return nil, errInvalidArn(arn)
	}
	if parts[5] != resource {
		return nil, clientErr("InvalidArn", "Invalid Arn: 'Resource type not valid in this context: %s'", parts[5])
	}
	names := parts[6:]
	want := 1
	if resource == resExecution {
		want = 2
	}
	if len(names) != want {
		return nil, errInvalidArn(arn)
	}
	return names, nil
}

// validName applies the naming rules of activities, state machines and
// executions. The length, 1 to 80 characters, is a constraint of the API's
// model: a ValidationException. The characters are the service's own rule:
// InvalidName for whitespace, brackets, wildcards, special punctuation or
// control characters.
func validName(name string) *APIError {
	if err := checkLength("name", name, 1, maxNameLength); err != nil {
		return err
	}
	for _, r := range name {
		if unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune("<>{}[]?*\"#%\\^|~`$&,;:/", r) {
			return errInvalidName(name)
		}
	}
	return nil
}

// maxNameLength bounds the names of the model's Name shape.
const maxNameLength = 80
