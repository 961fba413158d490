package sfnlocal

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

func mapApproval(act string, maxConcurrency int) string {
	return sprintf(`{"StartAt":"Each","States":{"Each":{"Type":"Map","ItemsPath":"$.approvers","MaxConcurrency":%d,
		"ItemSelector":{"who.$":"$$.Map.Item.Value","index.$":"$$.Map.Item.Index","request.$":"$.request"},
		"ItemProcessor":{"StartAt":"Ask","States":{"Ask":{"Type":"Task","Resource":"%s","End":true}}},
		"ResultPath":"$.answers","End":true}}}`, maxConcurrency, act)
}

func TestMap_DynamicItems_OneTokenPerItemWithMapItemValue(t *testing.T) {
	e := newEnv(t, Options{})
	act := e.activity("approve")
	sm := e.machine("map", mapApproval(act, 0))
	exec := e.start(sm, "run", `{"request":"r-1","approvers":["ann","bob","cid","dan"]}`)
	tokens := map[string]string{}
	for range 4 {
		token, input := e.poll(act)
		var in struct {
			Who     string `json:"who"`
			Index   int    `json:"index"`
			Request string `json:"request"`
		}
		mustUnmarshal(t, input, &in)
		if in.Request != "r-1" {
			t.Fatalf("iteration input %s lacks the Map input", input)
		}
		tokens[in.Who] = token
	}
	if len(tokens) != 4 {
		t.Fatalf("tokens = %v", tokens)
	}
	for _, who := range []string{"dan", "ann", "cid", "bob"} {
		if err := e.succeed(tokens[who], sprintf(`"%s-ok"`, who)); err != nil {
			t.Fatal(err)
		}
	}
	out := e.wantStatus(exec, types.ExecutionStatusSucceeded)
	jsonEq(t, aws.ToString(out.Output), `{"request":"r-1","approvers":["ann","bob","cid","dan"],"answers":["ann-ok","bob-ok","cid-ok","dan-ok"]}`)
}

func TestMap_MaxConcurrency_LimitsOutstandingTasks(t *testing.T) {
	e := newEnv(t, Options{})
	act := e.activity("approve")
	sm := e.machine("map", mapApproval(act, 1))
	exec := e.start(sm, "run", `{"request":"r","approvers":["a","b"]}`)
	first, _ := e.poll(act)
	if n := e.queued(act); n != 0 {
		t.Fatalf("%d tasks queued with MaxConcurrency 1", n)
	}
	if err := e.succeed(first, `1`); err != nil {
		t.Fatal(err)
	}
	second, _ := e.poll(act)
	if err := e.succeed(second, `2`); err != nil {
		t.Fatal(err)
	}
	out := e.wantStatus(exec, types.ExecutionStatusSucceeded)
	jsonEq(t, aws.ToString(out.Output), `{"request":"r","approvers":["a","b"],"answers":[1,2]}`)
}

func TestMap_FailedIteration_MapFailsAndOthersAborted(t *testing.T) {
	e := newEnv(t, Options{})
	act := e.activity("approve")
	sm := e.machine("map", mapApproval(act, 0))
	exec := e.start(sm, "run", `{"request":"r","approvers":["a","b","c"]}`)
	tokens := make([]string, 0, 3)
	for range 3 {
		token, _ := e.poll(act)
		tokens = append(tokens, token)
	}
	if err := e.fail(tokens[1], "Rejected", "no"); err != nil {
		t.Fatal(err)
	}
	out := e.wantStatus(exec, types.ExecutionStatusFailed)
	if aws.ToString(out.Error) != "Rejected" {
		t.Fatalf("error = %q", aws.ToString(out.Error))
	}
	wantAPIError[*types.TaskTimedOut](t, e.succeed(tokens[0], `1`))
	got := eventTypes(e.history(exec))
	want := []string{"MapIterationFailed", "MapIterationAborted", "MapIterationAborted", "MapStateFailed", "ExecutionFailed"}
	tail := got[len(got)-len(want):]
	for i := range want {
		if tail[i] != want[i] {
			t.Fatalf("history ends with %v, want %v", tail, want)
		}
	}
}

func TestMap_LegacyIteratorAndParameters_EmptyItems(t *testing.T) {
	e := newEnv(t, Options{})
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","Parameters":{"v.$":"$$.Map.Item.Value","all.$":"$"},
		"Iterator":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`
	sm := e.machine("m", def)
	out := e.wantStatus(e.start(sm, "one", `[1,2]`), types.ExecutionStatusSucceeded)
	jsonEq(t, aws.ToString(out.Output), `[{"v":1,"all":[1,2]},{"v":2,"all":[1,2]}]`)
	out = e.wantStatus(e.start(sm, "two", `[]`), types.ExecutionStatusSucceeded)
	jsonEq(t, aws.ToString(out.Output), `[]`)
}

// queued counts the undelivered tasks of an activity.
func (e *env) queued(activityArn string) int {
	e.srv.mu.Lock()
	defer e.srv.mu.Unlock()
	return len(e.srv.activities[activityArn].queue)
}

// AWS runs at most 40 iterations of an inline Map at once, whatever MaxConcurrency says
// (0 included): "Inline mode supports up to 40 concurrent iterations" (Step Functions
// developer guide, Map state, inline mode). Iteration 41 starts when one of the first ends.
func TestMap_Inline_AtMost40IterationsAtOnce(t *testing.T) {
	e := newEnv(t, Options{})
	act := e.activity("approve")
	sm := e.machine("map", mapApproval(act, 0))
	approvers := make([]string, 45)
	for i := range approvers {
		approvers[i] = sprintf(`"p%d"`, i)
	}
	e.start(sm, "run", `{"request":"r","approvers":[`+strings.Join(approvers, ",")+`]}`)
	tokens := make([]string, 0, 40)
	for range 40 {
		token, _ := e.poll(act)
		tokens = append(tokens, token)
	}
	if n := e.queued(act); n != 0 {
		t.Fatalf("%d more tasks than the 40 iterations AWS runs at once", n)
	}
	if err := e.succeed(tokens[0], `1`); err != nil {
		t.Fatal(err)
	}
	if n := e.queued(act); n != 1 {
		t.Fatalf("%d tasks queued after one iteration ended; want the 41st", n)
	}
}
