package sfnlocal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/sfnlocal/asl"
)

// definition is a parsed state machine (or a Parallel branch, or a Map
// ItemProcessor): the JSONPath flavour of the Amazon States Language.
type definition struct {
	Comment         string            `json:"Comment"`
	StartAt         string            `json:"StartAt"`
	States          map[string]*state `json:"States"`
	TimeoutSeconds  *int64            `json:"TimeoutSeconds"`
	QueryLanguage   string            `json:"QueryLanguage"`
	Version         string            `json:"Version"`
	ProcessorConfig json.RawMessage   `json:"ProcessorConfig"`
}

// optPath is a Path field that can be absent (default "$"), a path, or null.
type optPath struct {
	set  bool
	null bool
	path string
}

func (p *optPath) UnmarshalJSON(b []byte) error {
	p.set = true
	if bytes.Equal(b, []byte("null")) {
		p.null = true
		return nil
	}
	return json.Unmarshal(b, &p.path)
}

// orRoot is the path to apply: "$" when absent.
func (p optPath) orRoot() string {
	if !p.set {
		return "$"
	}
	return p.path
}

type catcher struct {
	ErrorEquals []string        `json:"ErrorEquals"`
	Next        string          `json:"Next"`
	ResultPath  optPath         `json:"ResultPath"`
	Assign      json.RawMessage `json:"Assign"`

	assign *template // compiled Assign
}

// state is any state; fields not used by its Type are rejected by validate.
type state struct {
	name string

	Type          string `json:"Type"`
	Comment       string `json:"Comment"`
	QueryLanguage string `json:"QueryLanguage"`
	Next          string `json:"Next"`
	End           bool   `json:"End"`

	InputPath      optPath         `json:"InputPath"`
	OutputPath     optPath         `json:"OutputPath"`
	ResultPath     optPath         `json:"ResultPath"`
	Parameters     json.RawMessage `json:"Parameters"`
	ResultSelector json.RawMessage `json:"ResultSelector"`
	Result         json.RawMessage `json:"Result"`
	Assign         json.RawMessage `json:"Assign"` // workflow variables (variables.go)

	// Task
	Resource             string            `json:"Resource"`
	TimeoutSeconds       *int64            `json:"TimeoutSeconds"`
	TimeoutSecondsPath   string            `json:"TimeoutSecondsPath"`
	HeartbeatSeconds     *int64            `json:"HeartbeatSeconds"`
	HeartbeatSecondsPath string            `json:"HeartbeatSecondsPath"`
	Retry                []json.RawMessage `json:"Retry"`
	Catch                []catcher         `json:"Catch"`

	// Choice
	Choices []json.RawMessage `json:"Choices"`
	Default string            `json:"Default"`

	// Wait
	Seconds       *int64 `json:"Seconds"`
	Timestamp     string `json:"Timestamp"`
	SecondsPath   string `json:"SecondsPath"`
	TimestampPath string `json:"TimestampPath"`

	// Fail
	Error     string `json:"Error"`
	Cause     string `json:"Cause"`
	ErrorPath string `json:"ErrorPath"`
	CausePath string `json:"CausePath"`

	// Parallel
	Branches []*definition `json:"Branches"`

	// Map (inline)
	ItemsPath      optPath         `json:"ItemsPath"`
	ItemSelector   json.RawMessage `json:"ItemSelector"`
	ItemProcessor  *definition     `json:"ItemProcessor"`
	Iterator       *definition     `json:"Iterator"`
	MaxConcurrency int64           `json:"MaxConcurrency"`
	// MaxConcurrencyPath reads MaxConcurrency from the state input.
	MaxConcurrencyPath string          `json:"MaxConcurrencyPath"`
	ItemReader         json.RawMessage `json:"ItemReader"`

	// compiled forms, filled by validate
	params       *template
	selector     *template
	itemSelector *template
	result       any
	retriers     []asl.Retrier
	choices      []*asl.ChoiceRule
	ruleAssigns  []*template // the Assign of each Choice rule, nil where none
	assign       *template
	resource     taskResource
}

// The state types of the Amazon States Language.
const (
	typeTask     = "Task"
	typeWait     = "Wait"
	typePass     = "Pass"
	typeSucceed  = "Succeed"
	typeFail     = "Fail"
	typeChoice   = "Choice"
	typeParallel = "Parallel"
	typeMap      = "Map"
)

var stateTypes = []string{typeTask, typeWait, typePass, typeSucceed, typeFail, typeChoice, typeParallel, typeMap}

// parseDefinition parses and validates a definition, returning the
// "CODE: message at /pointer" detail AWS puts in InvalidDefinition.
func parseDefinition(text string) (*definition, error) {
	var d definition
	if err := json.Unmarshal([]byte(text), &d); err != nil {
		return nil, fmt.Errorf("INVALID_JSON_DESCRIPTION: %s", jsonErrorDetail(err))
	}
	if err := checkQueryLanguage(d.QueryLanguage, "/QueryLanguage"); err != nil {
		return nil, err
	}
	if d.TimeoutSeconds != nil && *d.TimeoutSeconds <= 0 {
		return nil, fmt.Errorf("SCHEMA_VALIDATION_FAILED: TimeoutSeconds must be positive at /TimeoutSeconds")
	}
	if err := d.validate("/"); err != nil {
		return nil, err
	}
	return &d, nil
}

// checkQueryLanguage refuses JSONata, which sfnlocal does not evaluate, for
// the whole machine or for one state.
func checkQueryLanguage(lang, at string) error {
	if lang != "" && lang != "JSONPath" {
		return fmt.Errorf("SCHEMA_VALIDATION_FAILED: QueryLanguage %q is not supported by sfnlocal at %s", lang, at)
	}
	return nil
}

func jsonErrorDetail(err error) string {
	if se, ok := err.(*json.SyntaxError); ok {
		return fmt.Sprintf("%s at offset %d", se.Error(), se.Offset)
	}
	return err.Error()
}

// validate checks a (sub-)machine whose JSON pointer is at.
func (d *definition) validate(at string) error {
	// Listed in AWS's order (test_sfn_api_validation.snapshot.json).
	var missing []string
	if d.States == nil {
		missing = append(missing, "States")
	}
	if d.StartAt == "" {
		missing = append(missing, "StartAt")
	}
	if len(missing) > 0 {
		return fmt.Errorf("SCHEMA_VALIDATION_FAILED: These fields are required: [%s] at %s", strings.Join(missing, ", "), at)
	}
	base := strings.TrimSuffix(at, "/")
	if _, ok := d.States[d.StartAt]; !ok {
		return fmt.Errorf("MISSING_TRANSITION_TARGET: Missing 'Next' target: %s at %s/StartAt", d.StartAt, base)
	}
	names := make([]string, 0, len(d.States))
	for name := range d.States {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		st := d.States[name]
		if st == nil {
			return fmt.Errorf("SCHEMA_VALIDATION_FAILED: State must be an object at %s/States/%s", base, name)
		}
		st.name = name
		if err := st.validate(d, base+"/States/"+name); err != nil {
			return err
		}
	}
	return nil
}

func (st *state) validate(d *definition, at string) error {
	if len(st.name) > 80 {
		return fmt.Errorf("SCHEMA_VALIDATION_FAILED: State name must be at most 80 characters at %s", at)
	}
	if err := checkQueryLanguage(st.QueryLanguage, at+"/QueryLanguage"); err != nil {
		return err
	}
	if !slices.Contains(stateTypes, st.Type) {
		return fmt.Errorf("SCHEMA_VALIDATION_FAILED: The field 'Type' should have one of these values: [%s] at %s/Type", strings.Join(stateTypes, ", "), at)
	}
	if err := st.validateTransition(d, at); err != nil {
		return err
	}
	if err := st.validatePaths(at); err != nil {
		return err
	}
	if err := st.compileTemplates(at); err != nil {
		return err
	}
	if err := st.validateErrorHandling(d, at); err != nil {
		return err
	}
	if err := st.compileAssign(at); err != nil {
		return err
	}
	switch st.Type {
	case typeTask:
		return st.validateTask(at)
	case typeChoice:
		return st.compileChoices(d, at)
	case typeWait:
		return st.validateWait(at)
	case typeParallel:
		return st.validateParallel(at)
	case typeMap:
		return st.validateMap(at)
	}
	return nil
}

func (st *state) terminal() bool {
	return st.Type == typeSucceed || st.Type == typeFail || st.Type == typeChoice
}

func (st *state) validateTransition(d *definition, at string) error {
	if st.terminal() {
		if st.Next != "" || st.End {
			return fmt.Errorf("SCHEMA_VALIDATION_FAILED: Field 'Next'/'End' is not supported for %s states at %s", st.Type, at)
		}
		return nil
	}
	switch {
	case st.Next == "" && !st.End:
		return fmt.Errorf("SCHEMA_VALIDATION_FAILED: This state must have exactly one of 'Next' or 'End' at %s", at)
	case st.Next != "" && st.End:
		return fmt.Errorf("SCHEMA_VALIDATION_FAILED: Only one of 'Next' or 'End' can be present at %s", at)
	}
	return checkTarget(d, st.Next, at+"/Next")
}

func checkTarget(d *definition, name, at string) error {
	if name == "" {
		return nil
	}
	if _, ok := d.States[name]; !ok {
		return fmt.Errorf("MISSING_TRANSITION_TARGET: Missing 'Next' target: %s at %s", name, at)
	}
	return nil
}

func (st *state) validateErrorHandling(d *definition, at string) error {
	if len(st.Retry)+len(st.Catch) > 0 && st.Type != typeTask && st.Type != typeParallel && st.Type != typeMap {
		return fmt.Errorf("SCHEMA_VALIDATION_FAILED: Field 'Retry'/'Catch' is not supported for %s states at %s", st.Type, at)
	}
	st.retriers = make([]asl.Retrier, len(st.Retry))
	for i, raw := range st.Retry {
		r, err := asl.ParseRetrier(raw)
		if err != nil {
			return fmt.Errorf("SCHEMA_VALIDATION_FAILED: %v at %s/Retry[%d]", err, at, i)
		}
		st.retriers[i] = r
	}
	for i, c := range st.Catch {
		cat := fmt.Sprintf("%s/Catch[%d]", at, i)
		if err := validErrorEquals(c.ErrorEquals, cat); err != nil {
			return err
		}
		if c.Next == "" {
			return fmt.Errorf("SCHEMA_VALIDATION_FAILED: These fields are required: [Next] at %s", cat)
		}
		if err := checkTarget(d, c.Next, cat+"/Next"); err != nil {
			return err
		}
		if err := validResultPath(c.ResultPath, cat+"/ResultPath"); err != nil {
			return err
		}
		var err error
		if st.Catch[i].assign, err = compileAssign(c.Assign, cat+"/Assign"); err != nil {
			return err
		}
	}
	return nil
}

func (st *state) validateTask(at string) error {
	if st.Resource == "" {
		return fmt.Errorf("SCHEMA_VALIDATION_FAILED: These fields are required: [Resource] at %s", at)
	}
	res, ok := parseTaskResource(st.Resource)
	if !ok {
		return fmt.Errorf("SCHEMA_VALIDATION_FAILED: The resource provided %s is not recognized. The value is not a valid resource ARN, or the resource is not available in this region. at %s/Resource", st.Resource, at)
	}
	st.resource = res
	if st.TimeoutSeconds != nil && st.TimeoutSecondsPath != "" || st.HeartbeatSeconds != nil && st.HeartbeatSecondsPath != "" {
		return fmt.Errorf("SCHEMA_VALIDATION_FAILED: A field and its 'Path' variant cannot both be set at %s", at)
	}
	if st.TimeoutSeconds != nil && *st.TimeoutSeconds <= 0 || st.HeartbeatSeconds != nil && *st.HeartbeatSeconds <= 0 {
		return fmt.Errorf("SCHEMA_VALIDATION_FAILED: TimeoutSeconds and HeartbeatSeconds must be positive integers at %s", at)
	}
	if st.TimeoutSeconds != nil && st.HeartbeatSeconds != nil && *st.HeartbeatSeconds >= *st.TimeoutSeconds {
		return fmt.Errorf("SCHEMA_VALIDATION_FAILED: HeartbeatSeconds must be smaller than TimeoutSeconds at %s", at)
	}
	for _, p := range []struct{ v, field string }{{st.TimeoutSecondsPath, "TimeoutSecondsPath"}, {st.HeartbeatSecondsPath, "HeartbeatSecondsPath"}} {
		if err := validReferencePath(p.v, at+"/"+p.field); err != nil {
			return err
		}
	}
	return nil
}

func (st *state) validateWait(at string) error {
	set := 0
	for _, ok := range []bool{st.Seconds != nil, st.Timestamp != "", st.SecondsPath != "", st.TimestampPath != ""} {
		if ok {
			set++
		}
	}
	if set != 1 {
		return fmt.Errorf("SCHEMA_VALIDATION_FAILED: A Wait state must have exactly one of 'Seconds', 'Timestamp', 'SecondsPath' or 'TimestampPath' at %s", at)
	}
	if st.Timestamp != "" {
		if _, err := parseTimestamp(st.Timestamp); err != nil {
			return fmt.Errorf("SCHEMA_VALIDATION_FAILED: String does not match RFC3339 timestamp at %s/Timestamp", at)
		}
	}
	if err := validReferencePath(st.SecondsPath, at+"/SecondsPath"); err != nil {
		return err
	}
	return validReferencePath(st.TimestampPath, at+"/TimestampPath")
}

func (st *state) validateParallel(at string) error {
	if len(st.Branches) == 0 {
		return fmt.Errorf("SCHEMA_VALIDATION_FAILED: Value cannot be empty at %s/Branches", at)
	}
	for i, b := range st.Branches {
		if b == nil {
			return fmt.Errorf("SCHEMA_VALIDATION_FAILED: Branch must be an object at %s/Branches[%d]", at, i)
		}
		if err := b.validate(fmt.Sprintf("%s/Branches[%d]", at, i)); err != nil {
			return err
		}
	}
	return nil
}

func (st *state) validateMap(at string) error {
	if len(st.ItemReader) > 0 {
		return fmt.Errorf("SCHEMA_VALIDATION_FAILED: sfnlocal supports inline Map states only (ItemReader) at %s/ItemReader", at)
	}
	if st.ItemProcessor == nil {
		st.ItemProcessor = st.Iterator
	} else if st.Iterator != nil {
		return fmt.Errorf("SCHEMA_VALIDATION_FAILED: 'ItemProcessor' and 'Iterator' cannot both be set at %s", at)
	}
	if st.ItemProcessor == nil {
		return fmt.Errorf("SCHEMA_VALIDATION_FAILED: These fields are required: [ItemProcessor] at %s", at)
	}
	if mode := processorMode(st.ItemProcessor.ProcessorConfig); mode != "" && mode != "INLINE" {
		return fmt.Errorf("SCHEMA_VALIDATION_FAILED: sfnlocal supports inline Map states only (Mode %s) at %s/ItemProcessor/ProcessorConfig", mode, at)
	}
	if st.MaxConcurrency < 0 {
		return fmt.Errorf("SCHEMA_VALIDATION_FAILED: MaxConcurrency must be non-negative at %s/MaxConcurrency", at)
	}
	if st.MaxConcurrency != 0 && st.MaxConcurrencyPath != "" {
		return fmt.Errorf("SCHEMA_VALIDATION_FAILED: A field and its 'Path' variant cannot both be set at %s", at)
	}
	if err := validReferencePath(st.MaxConcurrencyPath, at+"/MaxConcurrencyPath"); err != nil {
		return err
	}
	if st.ItemsPath.null {
		return fmt.Errorf("SCHEMA_VALIDATION_FAILED: ItemsPath cannot be null at %s/ItemsPath", at)
	}
	if err := validReferencePath(st.ItemsPath.path, at+"/ItemsPath"); err != nil {
		return err
	}
	return st.ItemProcessor.validate(at + "/ItemProcessor")
}

func processorMode(raw json.RawMessage) string {
	var cfg struct{ Mode string }
	if len(raw) == 0 || json.Unmarshal(raw, &cfg) != nil {
		return ""
	}
	return cfg.Mode
}
