package approvalmachine

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// A reader for CloudFormation YAML (short tags included) and a reference checker.

// shortTags are the CloudFormation short-form functions a template may use.
var shortTags = []string{"Ref", "Condition", "GetAtt", "Sub", "If", "Not", "Equals", "And", "Or",
	"Join", "Select", "Split", "FindInMap", "Base64", "Cidr", "GetAZs", "ImportValue"}

var pseudoParameters = []string{"AWS::AccountId", "AWS::NoValue", "AWS::NotificationARNs", "AWS::Partition",
	"AWS::Region", "AWS::StackId", "AWS::StackName", "AWS::URLSuffix"}

// parseTemplate decodes a YAML template into JSON-shaped values, short tags turned into
// their long form ({"Ref": x}, {"Fn::GetAtt": [r, a]}, {"Fn::Sub": ...}, ...).
func parseTemplate(data []byte) (map[string]any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	v, err := cfnValue(&doc)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("a template is a mapping")
	}
	return m, nil
}

func cfnValue(n *yaml.Node) (any, error) {
	if tag, ok := strings.CutPrefix(n.Tag, "!"); ok && !strings.HasPrefix(tag, "!") {
		return shortForm(tag, n)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		return cfnValue(n.Content[0])
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i < len(n.Content); i += 2 {
			v, err := cfnValue(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		s := []any{}
		for _, c := range n.Content {
			v, err := cfnValue(c)
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		return s, nil
	case yaml.AliasNode:
		return cfnValue(n.Alias)
	}
	var v any
	err := n.Decode(&v)
	return v, err
}

func shortForm(tag string, n *yaml.Node) (any, error) {
	if !slices.Contains(shortTags, tag) {
		return nil, fmt.Errorf("line %d: unknown tag !%s", n.Line, tag)
	}
	untagged := *n
	untagged.Tag = ""
	v, err := cfnValue(&untagged)
	if err != nil {
		return nil, err
	}
	switch tag {
	case "Ref", "Condition":
		return map[string]any{tag: v}, nil
	case "GetAtt":
		if s, ok := v.(string); ok {
			resource, attribute, _ := strings.Cut(s, ".")
			v = []any{resource, attribute}
		}
	}
	return map[string]any{"Fn::" + tag: v}, nil
}

// checkReferences returns every Ref, GetAtt, Sub variable or condition of the template that
// names nothing defined, and every use of a conditional resource outside its condition.
func checkReferences(tpl map[string]any) []string {
	r := &refChecker{params: keys(tpl["Parameters"]), conditions: keys(tpl["Conditions"]), resourceCondition: map[string]string{}}
	resources, _ := tpl["Resources"].(map[string]any)
	for name, res := range resources {
		cond, _ := dig(res, "Condition").(string)
		r.resourceCondition[name] = cond
	}
	for name, cond := range r.conditions {
		r.walk("Conditions/"+name, cond, nil)
	}
	for _, section := range []string{"Rules", "Resources", "Outputs"} {
		entries, _ := tpl[section].(map[string]any)
		for name, entry := range entries {
			var active []string
			if cond, ok := dig(entry, "Condition").(string); ok {
				r.condition(section+"/"+name, cond)
				active = []string{cond}
			}
			r.walk(section+"/"+name, entry, active)
		}
	}
	return r.problems
}

type refChecker struct {
	params, conditions map[string]any
	resourceCondition  map[string]string // every resource, with its Condition or ""
	problems           []string
}

func keys(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

var subVariable = regexp.MustCompile(`\$\{([^!}][^}]*)\}`)

// walk checks v; active lists the conditions known true here (a resource's own, an
// enclosing Fn::If's).
func (r *refChecker) walk(where string, v any, active []string) {
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			r.walk(where, e, active)
		}
	case map[string]any:
		if len(v) != 1 {
			for k, e := range v {
				r.walk(where+"/"+k, e, active)
			}
			return
		}
		for fn, arg := range v {
			r.function(where, fn, arg, active)
		}
	}
}

func (r *refChecker) function(where, fn string, arg any, active []string) {
	args, _ := arg.([]any)
	switch {
	case fn == "Ref":
		name, _ := arg.(string)
		r.name(where, name, active)
	case fn == "Fn::GetAtt" && len(args) == 2:
		resource, _ := args[0].(string)
		if _, ok := r.resourceCondition[resource]; !ok {
			r.fail("%s: GetAtt of %q, not a resource", where, resource)
		}
		r.name(where, resource, active)
	case fn == "Fn::Sub":
		r.sub(where, arg, active)
	case fn == "Fn::If" && len(args) == 3:
		cond, _ := args[0].(string)
		r.condition(where, cond)
		r.walk(where, args[1], append(slices.Clone(active), cond))
		r.walk(where, args[2], active)
	case fn == "Condition":
		if cond, ok := arg.(string); ok { // a policy's Condition block is a mapping
			r.condition(where, cond)
			return
		}
		r.walk(where+"/"+fn, arg, active)
	default:
		r.walk(where+"/"+fn, arg, active)
	}
}

func (r *refChecker) sub(where string, arg any, active []string) {
	text, _ := arg.(string)
	vars := map[string]any{}
	if args, ok := arg.([]any); ok && len(args) == 2 {
		text, _ = args[0].(string)
		vars = keys(args[1])
		r.walk(where, args[1], active)
	}
	for _, m := range subVariable.FindAllStringSubmatch(text, -1) {
		name, _, _ := strings.Cut(m[1], ".")
		if _, local := vars[name]; !local {
			r.name(where, name, active)
		}
	}
}

// name checks a Ref'd (or Sub'd, GetAtt'd) name.
func (r *refChecker) name(where, name string, active []string) {
	if slices.Contains(pseudoParameters, name) {
		return
	}
	if _, ok := r.params[name]; ok {
		return
	}
	cond, ok := r.resourceCondition[name]
	switch {
	case !ok:
		r.fail("%s: %q is neither a parameter, a resource nor a pseudo parameter", where, name)
	case cond != "" && !r.holds(cond, active):
		r.fail("%s: %q exists only under condition %s, used outside it", where, name, cond)
	}
}

// holds says whether cond is true wherever the active conditions are: one of them, a member
// of an active Fn::And, or an Fn::Or with such a member (IRSA implies Or[IRSA, PodIdentity]).
func (r *refChecker) holds(cond string, active []string) bool {
	known := map[string]bool{}
	for _, c := range active {
		known[c] = true
	}
	for grew := true; grew; {
		grew = false
		for name, def := range r.conditions {
			and, _ := dig(def, "Fn::And").([]any)
			or, _ := dig(def, "Fn::Or").([]any)
			for _, member := range and {
				if m, ok := dig(member, "Condition").(string); ok && known[name] && !known[m] {
					known[m], grew = true, true
				}
			}
			for _, member := range or {
				if m, ok := dig(member, "Condition").(string); ok && known[m] && !known[name] {
					known[name], grew = true, true
				}
			}
		}
	}
	return known[cond]
}

func (r *refChecker) condition(where, cond string) {
	if _, ok := r.conditions[cond]; !ok {
		r.fail("%s: condition %q is not defined", where, cond)
	}
}

func (r *refChecker) fail(format string, args ...any) {
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
}
