// Package approvalmachine loads tollgate's Step Functions definitions (Amazon States
// Language) with their deployment placeholders substituted, the way CloudFormation's
// DefinitionSubstitutions does it. The definitions themselves live in one place only,
// config/stepfunctions/ at the repository root (go:embed cannot reach it from here);
// this package reads them from there.
//
// The contract the definitions implement is docs/stepfunctions-contract.md.
package approvalmachine

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// Paths of the definitions, relative to the repository root.
const (
	ShippedPath    = "config/stepfunctions/approval.asl.json"
	FixedThreePath = "config/stepfunctions/examples/fixed-three-approvers.asl.json"
)

// The placeholders of the definitions (written ${Name} in the files).
const (
	ActivityArnPlaceholder = "ApprovalActivityArn"
	TopicArnPlaceholder    = "NotificationTopicArn"
)

var placeholder = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)\}`)

// Placeholders lists the distinct placeholder names of a definition, sorted.
func Placeholders(definition []byte) []string {
	seen := map[string]bool{}
	for _, m := range placeholder.FindAllSubmatch(definition, -1) {
		seen[string(m[1])] = true
	}
	names := make([]string, 0, len(seen))
	for name := range seen {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Substitute replaces every ${Name} of definition with subst[Name], escaped for a JSON
// string (placeholders only ever appear inside JSON strings). A placeholder missing from
// subst is an error; so is a result that is not JSON.
func Substitute(definition []byte, subst map[string]string) ([]byte, error) {
	var missing []string
	for _, name := range Placeholders(definition) {
		if _, ok := subst[name]; !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("no value for placeholder(s) %s", strings.Join(missing, ", "))
	}
	out := placeholder.ReplaceAllFunc(definition, func(m []byte) []byte {
		quoted, _ := json.Marshal(subst[string(m[2:len(m)-1])])
		return quoted[1 : len(quoted)-1]
	})
	if !json.Valid(out) {
		return nil, fmt.Errorf("definition is not valid JSON after substitution")
	}
	return out, nil
}

// Load reads the definition at path and substitutes its placeholders.
func Load(path string, subst map[string]string) ([]byte, error) {
	definition, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out, err := Substitute(definition, subst)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// LoadShipped loads the shipped machine for an activity and an SNS topic ("" = no
// notification). It finds the repository from the working directory, so it serves tests
// and tools run inside the repository.
func LoadShipped(activityArn, topicArn string) ([]byte, error) {
	path, err := RepoFile(ShippedPath)
	if err != nil {
		return nil, err
	}
	return Load(path, map[string]string{ActivityArnPlaceholder: activityArn, TopicArnPlaceholder: topicArn})
}

// RepoFile returns the absolute path of rel, a path relative to the repository root: the
// nearest directory at or above the working directory that holds go.mod.
func RepoFile(rel string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, filepath.FromSlash(rel)), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod at or above the working directory: cannot locate %s", rel)
		}
		dir = parent
	}
}
