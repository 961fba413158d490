package approval

import (
	"fmt"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// Enforcement is the installation's answer to "must this namespace's requests reference a
// GatePolicy?" where the namespace's label (v1.RequirePolicyLabel) does not say
// (--policy-enforcement).
type Enforcement string

const (
	// EnforceEverywhere: every namespace requires policies unless labelled "false" (a new
	// installation's setting).
	EnforceEverywhere Enforcement = "everywhere"
	// EnforceLabelled: only namespaces labelled "true" require policies (what an upgrade keeps
	// until an administrator turns enforcement on; the zero value).
	EnforceLabelled Enforcement = "labelled"
)

// ParseEnforcement reads --policy-enforcement.
func ParseEnforcement(s string) (Enforcement, error) {
	switch e := Enforcement(s); e {
	case EnforceEverywhere, EnforceLabelled:
		return e, nil
	}
	return "", fmt.Errorf("--policy-enforcement is %q: want %q or %q", s, EnforceEverywhere, EnforceLabelled)
}

// RequiresPolicy says whether a namespace with these labels requires its requests to reference
// a GatePolicy, and why (for refusals). The label decides when it is there: "false" does not
// require one, "true" does, and any other value does too (an administrator meant something:
// tollgate fails closed). Without it, e decides.
func (e Enforcement) RequiresPolicy(labels map[string]string) (bool, string) {
	value, labelled := labels[v1.RequirePolicyLabel]
	switch {
	case labelled && value == "false":
		return false, fmt.Sprintf("its label %s=false", v1.RequirePolicyLabel)
	case labelled && value == "true":
		return true, fmt.Sprintf("its label %s=true", v1.RequirePolicyLabel)
	case labelled:
		return true, fmt.Sprintf("its label %s=%q, which is neither true nor false (tollgate requires policies then)", v1.RequirePolicyLabel, value)
	case e == EnforceEverywhere:
		return true, fmt.Sprintf("the installation requires policies in every namespace not labelled %s=false", v1.RequirePolicyLabel)
	}
	return false, fmt.Sprintf("it is not labelled %s=true", v1.RequirePolicyLabel)
}
