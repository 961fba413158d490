package manifests_test

import (
	"testing"

	"github.com/tollgate-dev/tollgate/internal/manifests"
	"github.com/tollgate-dev/tollgate/internal/operator"
)

// The wiring check wants the policy to admit the Secret the manager creates by default.
func TestDefaultTokenKeySecretIsTheManagers(t *testing.T) {
	if manifests.DefaultTokenKeySecret != operator.DefaultTokenKeySecret {
		t.Errorf("manifests.DefaultTokenKeySecret = %q, the manager's default is %q", manifests.DefaultTokenKeySecret, operator.DefaultTokenKeySecret)
	}
}
