package gitops

import (
	"testing"

	fluxstatus "github.com/fluxcd/cli-utils/pkg/kstatus/status"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

// What Flux's health checks (wait: true, healthChecks) see of a request: kstatus, computed by
// the upstream library and by Flux's fork, which kustomize-controller and helm-controller use.
// Both must agree with each other and with the outcome.
func TestKstatusOfProducedRequests(t *testing.T) {
	for _, o := range outcomes {
		t.Run(o.file, func(t *testing.T) {
			obj := produced[o.file]
			upstream, err := status.Compute(obj.DeepCopy())
			if err != nil {
				t.Fatalf("sigs.k8s.io/cli-utils: %v", err)
			}
			fork, err := fluxstatus.Compute(&unstructured.Unstructured{Object: obj.DeepCopy().Object})
			if err != nil {
				t.Fatalf("github.com/fluxcd/cli-utils: %v", err)
			}
			if upstream.Status != o.kstatus {
				t.Errorf("sigs.k8s.io/cli-utils: %s (%q), want %s", upstream.Status, upstream.Message, o.kstatus)
			}
			if string(fork.Status) != string(o.kstatus) {
				t.Errorf("github.com/fluxcd/cli-utils: %s (%q), want %s", fork.Status, fork.Message, o.kstatus)
			}
			if upstream.Message != fork.Message {
				t.Errorf("the libraries disagree on the message: %q and %q", upstream.Message, fork.Message)
			}
		})
	}
}
