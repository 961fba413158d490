package v1alpha1

import (
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// decodeIgnoringStatus reads the object of a write to the main resource as tollgate's type,
// its status left out. Such a write cannot change status (a subresource: the API server puts
// the stored status back after mutating admission), so a status a client sent with the wrong
// type must not keep a webhook from reading — and checking — what the write does change. A
// client once hid forged decision annotations behind `{"status":{"observedGeneration":"x"}}`.
func decodeIgnoringStatus(d admission.Decoder, raw runtime.RawExtension, into runtime.Object) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw.Raw, &fields); err != nil {
		return fmt.Errorf("the object is not a JSON object: %w", err)
	}
	delete(fields, "status")
	stripped, err := json.Marshal(fields)
	if err != nil {
		return fmt.Errorf("re-encoding the object: %w", err)
	}
	if err := d.DecodeRaw(runtime.RawExtension{Raw: stripped}, into); err != nil {
		return fmt.Errorf("tollgate cannot read the object: %w", err)
	}
	return nil
}

// withCapturedPolicy reads, from a stored request, the copy of the GatePolicy it runs under
// (status.policy) into into: the guards read a request without its status (decodeIgnoringStatus),
// and the identity check needs the slots the copy holds (approval.PolicyOf). The API server
// sends the stored object, whose status the schema checked when it was written; anything else
// is refused, never read as "no copy".
func withCapturedPolicy(raw runtime.RawExtension, into *v1.ApprovalRequest) error {
	var stored struct {
		Status struct {
			Policy *v1.CapturedPolicy `json:"policy"`
		} `json:"status"`
	}
	if err := json.Unmarshal(raw.Raw, &stored); err != nil {
		return fmt.Errorf("tollgate cannot read its status.policy: %w", err)
	}
	into.Status.Policy = stored.Status.Policy
	return nil
}
