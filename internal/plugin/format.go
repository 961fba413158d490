package plugin

import (
	"encoding/json"
	"fmt"
	"io"

	"sigs.k8s.io/yaml"
)

// format is how list and describe print: a table for people, or JSON or YAML for programs.
type format string

const (
	formatTable format = ""
	formatJSON  format = "json"
	formatYAML  format = "yaml"
)

// parseFormat reads the value of -o/--output: empty (a table), json or yaml, as kubectl spells
// them (lower case, nothing around them).
func parseFormat(value string) (format, error) {
	switch f := format(value); f {
	case formatTable, formatJSON, formatYAML:
		return f, nil
	}
	return "", fmt.Errorf("unknown output format %q: use -o json or -o yaml (or no -o for a table)", abbreviate(value))
}

// printStructured writes v as JSON (indented, as kubectl does) or YAML.
func printStructured(w io.Writer, f format, v any) error {
	var (
		out []byte
		err error
	)
	switch f {
	case formatJSON:
		out, err = json.MarshalIndent(v, "", "    ")
		out = append(out, '\n')
	case formatYAML:
		out, err = yaml.Marshal(v)
	default:
		return fmt.Errorf("format %q is not structured", f)
	}
	if err != nil {
		return fmt.Errorf("encoding the output as %s: %w", f, err)
	}
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("writing the output: %w", err)
	}
	return nil
}
