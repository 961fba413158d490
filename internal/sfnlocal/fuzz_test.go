package sfnlocal

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
)

// fuzzPlaceholders are the deployment values the shipped definitions'
// ${Name} placeholders are replaced with, as CloudFormation would.
var fuzzPlaceholders = map[string]string{
	"ApprovalActivityArn":  "arn:aws:states:us-east-1:123456789012:activity:tollgate-approval",
	"NotificationTopicArn": "arn:aws:sns:us-east-1:123456789012:tollgate-approvals",
}

var fuzzPlaceholder = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)\}`)

// repoDefinitions reads the repository's ASL files with their placeholders
// substituted.
func repoDefinitions(f *testing.F) []string {
	f.Helper()
	files, err := filepath.Glob("../../config/stepfunctions/examples/*.asl.json")
	if err != nil {
		f.Fatal(err)
	}
	files = append(files, "../../config/stepfunctions/approval.asl.json")
	defs := make([]string, 0, len(files))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		b = fuzzPlaceholder.ReplaceAllFunc(b, func(m []byte) []byte {
			v, ok := fuzzPlaceholders[string(fuzzPlaceholder.FindSubmatch(m)[1])]
			if !ok {
				f.Fatalf("%s: no fuzz value for placeholder %s", name, m)
			}
			return []byte(v)
		})
		defs = append(defs, string(b))
	}
	return defs
}

var smallDefinitions = []string{
	`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`,
	`{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.x","IsPresent":true,"Next":"S"},{"Not":{"Variable":"$.x","StringMatches":"a*"},"Next":"F"}],"Default":"S"},"S":{"Type":"Succeed"},"F":{"Type":"Fail","ErrorPath":"$.e","CausePath":"$.c"}}}`,
	`{"StartAt":"W","TimeoutSeconds":5,"States":{"W":{"Type":"Wait","TimestampPath":"$.t","Next":"T"},"T":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:a","HeartbeatSeconds":1,"TimeoutSeconds":2,"Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":2,"BackoffRate":1.5}],"Catch":[{"ErrorEquals":["States.Timeout"],"ResultPath":"$.err","Next":"P"}],"End":true},"P":{"Type":"Pass","Parameters":{"a.$":"States.Format('{}', $.x)","b.$":"$$.Execution.Id"},"ResultPath":null,"End":true}}}`,
	`{"StartAt":"Par","States":{"Par":{"Type":"Parallel","Branches":[{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":2,"ItemSelector":{"v.$":"$$.Map.Item.Value"},"ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"End":true}}}],"ResultSelector":{"r.$":"$[0]"},"End":true}}}`,
	`{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sns:publish.waitForTaskToken","Parameters":{"TaskToken.$":"$$.Task.Token"},"End":true}}}`,
	`{"StartAt":"X","States":{"X":{"Type":"Pass","Next":"X"}}}`,
	`{"StartAt":"","States":{}}`,
	`{"StartAt":"A","States":{"A":null}}`,
	`{"StartAt":"A","States":{"A":{"Type":"Map","Iterator":{"StartAt":"B","States":{"B":{"Type":"Map","ItemProcessor":null,"End":true}}},"End":true}}}`,
	`[]`, `null`, `{`,
}

// FuzzParseDefinition feeds CreateStateMachine's definition parser: it must
// never panic, and a definition it accepts must be accepted again (parsing
// is a pure function of the text) and compile its Choice rules and Retry
// policies for every state.
func FuzzParseDefinition(f *testing.F) {
	for _, d := range repoDefinitions(f) {
		f.Add(d)
	}
	for _, d := range smallDefinitions {
		f.Add(d)
	}
	f.Fuzz(func(t *testing.T, text string) {
		d, err := parseDefinition(text)
		d2, err2 := parseDefinition(text)
		if (err == nil) != (err2 == nil) || err != nil && err.Error() != err2.Error() {
			t.Fatalf("parseDefinition is not deterministic: %v, then %v", err, err2)
		}
		if err != nil {
			return
		}
		checkCompiled(t, d)
		checkCompiled(t, d2)
	})
}

// checkCompiled asserts what the engine relies on in an accepted definition.
func checkCompiled(t *testing.T, d *definition) {
	t.Helper()
	if d.States[d.StartAt] == nil {
		t.Fatalf("accepted definition has no StartAt state %q", d.StartAt)
	}
	for name, st := range d.States {
		if st == nil || st.name != name {
			t.Fatalf("state %q not compiled", name)
		}
		if st.Type == "Choice" && len(st.choices) != len(st.Choices) {
			t.Fatalf("state %q: %d Choices compiled of %d", name, len(st.choices), len(st.Choices))
		}
		if len(st.retriers) != len(st.Retry) {
			t.Fatalf("state %q: %d Retry compiled of %d", name, len(st.retriers), len(st.Retry))
		}
		for _, next := range append([]string{st.Next, st.Default}, catchTargets(st)...) {
			if next != "" && d.States[next] == nil {
				t.Fatalf("state %q: transition to missing state %q", name, next)
			}
		}
		for _, b := range st.Branches {
			checkCompiled(t, b)
		}
		if st.Type == "Map" {
			if st.ItemProcessor == nil {
				t.Fatalf("Map state %q without ItemProcessor", name)
			}
			checkCompiled(t, st.ItemProcessor)
		}
	}
}

func catchTargets(st *state) []string {
	out := make([]string, 0, len(st.Catch)+len(st.choices))
	for _, c := range st.Catch {
		out = append(out, c.Next)
	}
	for _, r := range st.choices {
		out = append(out, r.Next)
	}
	return out
}

// FuzzDecodeRequest feeds arbitrary awsJson1.0 bodies to every operation's
// decoder and handler (the same dispatch ServeHTTP uses): nothing may panic,
// and every failure must be an API error (a 4xx with an AWS code), never an
// internal one.
func FuzzDecodeRequest(f *testing.F) {
	ops := make([]string, 0, len(operations))
	for op := range operations {
		ops = append(ops, op)
	}
	slices.Sort(ops)
	act := "arn:aws:states:us-east-1:123456789012:activity:a"
	seeds := []string{
		``, `{}`, `null`, `[]`, `{"name":"a"}`, `{"activityArn":"` + act + `"}`,
		`{"name":"m","definition":"{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"End\":true}}}","roleArn":"` + testRole + `"}`,
		`{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:m","name":"e","input":"{}"}`,
		`{"taskToken":"x","output":"{}"}`, `{"maxResults":-1,"nextToken":"%%%"}`, `{"name":7}`, `{"input":{}}`,
	}
	for i := range ops {
		for _, s := range seeds {
			f.Add(uint8(i), []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, opIndex uint8, body []byte) {
		op := ops[int(opIndex)%len(ops)]
		srv, err := New(Options{Clock: NewFakeClock(t0)})
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := srv.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		}()
		// Seed an activity and a state machine for the body to refer to.
		for _, setup := range []struct{ op, body string }{
			{"CreateActivity", `{"name":"a"}`},
			{"CreateStateMachine", seeds[6]},
		} {
			if _, err := operations[setup.op](srv, context.Background(), []byte(setup.body)); err != nil {
				t.Fatalf("%s: %v", setup.op, err)
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		if op == "GetActivityTask" {
			cancel() // a long poll returns at once
		}
		defer cancel()
		_, err = operations[op](srv, ctx, body)
		var apiErr *APIError
		if err != nil && (!errors.As(err, &apiErr) || apiErr.Status >= 500) {
			t.Fatalf("%s %q: internal error %v", op, body, err)
		}
	})
}
