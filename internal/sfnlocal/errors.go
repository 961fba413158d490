package sfnlocal

import (
	"encoding/json"
	"fmt"
	"net/http"
	"unicode/utf8"
)

// APIError is an error answered on the wire as awsJson1.0 does:
// HTTP status plus {"__type": Code, "message": Message}.
type APIError struct {
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string { return e.Code + ": " + e.Message }

// NewAPIError builds an error a fault hook can return; status 0 means 400.
func NewAPIError(status int, code, message string) *APIError {
	if status == 0 {
		status = http.StatusBadRequest
	}
	return &APIError{Status: status, Code: code, Message: message}
}

func clientErr(code, format string, args ...any) *APIError {
	return NewAPIError(http.StatusBadRequest, code, fmt.Sprintf(format, args...))
}

// The messages follow the "<Title>: '<detail>'" shape AWS uses.
func errInvalidArn(arn string) *APIError {
	return clientErr("InvalidArn", "Invalid Arn: 'Invalid ARN prefix: %s'", arn)
}

func errInvalidName(name string) *APIError {
	return clientErr("InvalidName", "Invalid Name: '%s'", name)
}

func errValidation(format string, args ...any) *APIError {
	return clientErr("ValidationException", format, args...)
}

// checkLength applies a length constraint of the API's model to a member, in
// characters, answering a violation as AWS does: ValidationException.
func checkLength(member, v string, lo, hi int) *APIError {
	switch n := utf8.RuneCountInString(v); {
	case n < lo:
		return errValidation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length greater than or equal to %d", v, member, lo)
	case n > hi:
		return errValidation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", v, member, hi)
	}
	return nil
}

func errInvalidToken() *APIError {
	return clientErr("InvalidToken", "Invalid Token: 'Invalid token'")
}

func errTaskTimedOut() *APIError {
	return clientErr("TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'")
}

func errActivityDoesNotExist(arn string) *APIError {
	return clientErr("ActivityDoesNotExist", "Activity Does Not Exist: '%s'", arn)
}

func errStateMachineDoesNotExist(arn string) *APIError {
	return clientErr("StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", arn)
}

// errStateMachineDeleting words the error as AWS was seen to (Netflix/metaflow
// pull request #1284: "StateMachineDeleting ... State Machine is being deleted").
func errStateMachineDeleting() *APIError {
	return clientErr("StateMachineDeleting", "State Machine is being deleted")
}

func errExecutionDoesNotExist(arn string) *APIError {
	return clientErr("ExecutionDoesNotExist", "Execution Does Not Exist: '%s'", arn)
}

func errInvalidDefinition(detail string) *APIError {
	return clientErr("InvalidDefinition", "Invalid State Machine Definition: '%s'", detail)
}

func writeAPIError(w http.ResponseWriter, e *APIError) {
	w.Header().Set(headerContentType, contentType)
	w.Header().Set("X-Amzn-ErrorType", e.Code)
	w.WriteHeader(e.Status)
	// Encoding two strings cannot fail.
	body, _ := json.Marshal(map[string]string{"__type": e.Code, "message": e.Message})
	_, _ = w.Write(body)
}
