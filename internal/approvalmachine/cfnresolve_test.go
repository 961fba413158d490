package approvalmachine

import (
	"fmt"
	"maps"
)

// A template as CloudFormation would deploy it for some parameter values: conditions
// evaluated, resources and outputs whose condition is false dropped, every Fn::If replaced by
// the branch it takes and AWS::NoValue removed. Ref, Sub and GetAtt stay as they are, so a
// test compares the references a deployment would make, for each combination of parameters.

// deployment is a template resolved for one set of parameter values.
type deployment struct {
	params     map[string]string
	conditions map[string]bool
	template   map[string]any
}

// deploy resolves tpl for params; parameters not given take their Default.
func deploy(tpl map[string]any, params map[string]string) (*deployment, error) {
	d := &deployment{params: map[string]string{}, conditions: map[string]bool{}}
	for name, p := range keys(tpl["Parameters"]) {
		d.params[name] = fmt.Sprint(dig(p, "Default"))
	}
	for name, v := range params {
		if _, ok := d.params[name]; !ok {
			return nil, fmt.Errorf("no parameter %s", name)
		}
		d.params[name] = v
	}
	defs := keys(tpl["Conditions"])
	for name := range defs {
		if _, err := d.condition(defs, name); err != nil {
			return nil, err
		}
	}
	d.template = map[string]any{}
	for section, v := range tpl {
		d.template[section] = v
		if section == "Resources" || section == "Outputs" {
			d.template[section] = d.entries(keys(v))
		}
	}
	return d, nil
}

// entries keeps the resources (or outputs) whose condition holds, resolved.
func (d *deployment) entries(in map[string]any) map[string]any {
	out := map[string]any{}
	for name, entry := range in {
		if cond, ok := dig(entry, "Condition").(string); ok && !d.conditions[cond] {
			continue
		}
		out[name] = d.resolve(entry)
	}
	return out
}

// noValue is what AWS::NoValue leaves: the property or list item is not there.
type noValue struct{}

func (d *deployment) resolve(v any) any {
	switch v := v.(type) {
	case map[string]any:
		if ref, ok := v["Ref"]; ok && len(v) == 1 && ref == "AWS::NoValue" {
			return noValue{}
		}
		if args, ok := v["Fn::If"].([]any); ok && len(v) == 1 && len(args) == 3 {
			cond, _ := args[0].(string)
			if d.conditions[cond] {
				return d.resolve(args[1])
			}
			return d.resolve(args[2])
		}
		out := map[string]any{}
		for k, e := range v {
			if r := d.resolve(e); r != (noValue{}) {
				out[k] = r
			}
		}
		return out
	case []any:
		out := []any{}
		for _, e := range v {
			if r := d.resolve(e); r != (noValue{}) {
				out = append(out, r)
			}
		}
		return out
	}
	return v
}

// condition evaluates a named condition (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition;
// Equals compares parameter values and literals).
func (d *deployment) condition(defs map[string]any, name string) (bool, error) {
	if v, ok := d.conditions[name]; ok {
		return v, nil
	}
	def, ok := defs[name]
	if !ok {
		return false, fmt.Errorf("condition %q is not defined", name)
	}
	v, err := d.eval(defs, def)
	d.conditions[name] = v
	return v, err
}

func (d *deployment) eval(defs map[string]any, expr any) (bool, error) {
	m, _ := expr.(map[string]any)
	if cond, ok := m["Condition"].(string); ok {
		return d.condition(defs, cond)
	}
	args, _ := m["Fn::Equals"].([]any)
	if len(args) == 2 {
		return d.value(args[0]) == d.value(args[1]), nil
	}
	if args, ok := m["Fn::Not"].([]any); ok && len(args) == 1 {
		v, err := d.eval(defs, args[0])
		return !v, err
	}
	for fn, all := range map[string]bool{"Fn::And": true, "Fn::Or": false} {
		args, ok := m[fn].([]any)
		if !ok {
			continue
		}
		for _, a := range args {
			if v, err := d.eval(defs, a); err != nil || v != all {
				return !all, err
			}
		}
		return all, nil
	}
	return false, fmt.Errorf("cannot evaluate the condition %v", expr)
}

// value is a literal, or a parameter's value for a Ref.
func (d *deployment) value(v any) string {
	if ref, ok := dig(v, "Ref").(string); ok {
		return d.params[ref]
	}
	return fmt.Sprint(v)
}

// resource is a resolved resource's Properties, or nil when it is not deployed.
func (d *deployment) resource(name string) map[string]any {
	r, ok := keys(d.template["Resources"])[name]
	if !ok {
		return nil
	}
	props := keys(dig(r, "Properties"))
	if props == nil {
		props = map[string]any{}
	}
	return maps.Clone(props)
}
