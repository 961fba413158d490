package sfnlocal

import (
	"fmt"

	"github.com/tollgate-dev/tollgate/internal/sfnlocal/asl"
)

// maxPayloadBytes is the 256 KiB limit on inputs, outputs and task results.
const maxPayloadBytes = 256 * 1024

// jsonValue holds an asl JSON value; it persists as the JSON text itself.
type jsonValue struct{ V any }

func (j jsonValue) MarshalJSON() ([]byte, error) { return asl.MarshalJSON(j.V) }

func (j *jsonValue) UnmarshalJSON(b []byte) error {
	v, err := asl.ParseJSON(b)
	if err != nil {
		return err
	}
	j.V = v
	return nil
}

// text is the compact JSON text of the value.
func (j jsonValue) text() string {
	b, err := asl.MarshalJSON(j.V)
	if err != nil {
		// Values come from ParseJSON or the asl package: always encodable.
		panic(fmt.Sprintf("sfnlocal: unencodable JSON value: %v", err))
	}
	return string(b)
}

// parsePayload parses a JSON text received through the API.
func parsePayload(text string) (jsonValue, error) {
	v, err := asl.ParseJSON([]byte(text))
	if err != nil {
		return jsonValue{}, err
	}
	return jsonValue{V: v}, nil
}

// checkDataLimit fails with States.DataLimitExceeded when the input or output
// of the state named stateName is over the 256 KiB limit. The cause is AWS's
// (recorded in LocalStack's test_states_errors.snapshot.json,
// test_start_large_input).
func checkDataLimit(v jsonValue, stateName string) (string, *asl.Error) {
	text := v.text()
	if len(text) > maxPayloadBytes {
		return "", &asl.Error{Name: asl.ErrDataLimitExceeded, Cause: fmt.Sprintf("The state/task '%s' returned a result with a size exceeding the maximum number of bytes service limit.", stateName)}
	}
	return text, nil
}
