package sfnlocal

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// parallelApproval is a Parallel of three activity tasks, one per approver.
func parallelApproval(act string) string {
	branch := `{"StartAt":"Approve","States":{"Approve":{"Type":"Task","Resource":"` + act + `","Parameters":{"approver":"%s","token.$":"$$.Task.Token"},"End":true}}}`
	return `{"StartAt":"All","States":{"All":{"Type":"Parallel","End":true,"Branches":[` +
		sprintf(branch, "a") + "," + sprintf(branch, "b") + "," + sprintf(branch, "c") + `]}}}`
}

// pollN collects n tasks, keyed by the approver in their input.
func (e *env) pollApprovers(act string, n int) map[string]string {
	e.t.Helper()
	tokens := map[string]string{}
	for range n {
		token, input := e.poll(act)
		var in struct {
			Approver string `json:"approver"`
			Token    string `json:"token"`
		}
		mustUnmarshal(e.t, input, &in)
		if in.Token != token {
			e.t.Fatalf("$$.Task.Token = %q, want the task token", in.Token)
		}
		tokens[in.Approver] = token
	}
	return tokens
}

func TestParallel_SendTaskFailureOnOneBranch_ExecutionFailedAndSiblingsTaskTimedOut(t *testing.T) {
	e := newEnv(t, Options{})
	act := e.activity("approve")
	sm := e.machine("parallel", parallelApproval(act))
	exec := e.start(sm, "run", `{}`)
	tokens := e.pollApprovers(act, 3)
	if err := e.succeed(tokens["a"], `"yes"`); err != nil {
		t.Fatal(err)
	}
	if err := e.fail(tokens["b"], "Rejected", "b said no"); err != nil {
		t.Fatal(err)
	}
	out := e.wantStatus(exec, types.ExecutionStatusFailed)
	if aws.ToString(out.Error) != "Rejected" || aws.ToString(out.Cause) != "b said no" {
		t.Fatalf("error %q cause %q, want the branch's error", aws.ToString(out.Error), aws.ToString(out.Cause))
	}
	wantAPIError[*types.TaskTimedOut](t, e.succeed(tokens["c"], `"yes"`))
	wantAPIError[*types.TaskTimedOut](t, e.fail(tokens["c"], "x", "y"))
	all := eventTypes(e.history(exec))
	if got := all[len(all)-2:]; got[0] != "ParallelStateFailed" || got[1] != "ExecutionFailed" {
		t.Fatalf("history ends with %v", got)
	}
}

func TestParallel_AllBranchesSucceed_OutputArrayInBranchOrder(t *testing.T) {
	e := newEnv(t, Options{})
	act := e.activity("approve")
	sm := e.machine("parallel", parallelApproval(act))
	exec := e.start(sm, "run", `{}`)
	tokens := e.pollApprovers(act, 3)
	for _, who := range []string{"c", "a", "b"} {
		if err := e.succeed(tokens[who], sprintf(`{"by":"%s"}`, who)); err != nil {
			t.Fatal(err)
		}
	}
	out := e.wantStatus(exec, types.ExecutionStatusSucceeded)
	jsonEq(t, aws.ToString(out.Output), `[{"by":"a"},{"by":"b"},{"by":"c"}]`)
}

func TestParallel_CatchBranchError_ResultPath(t *testing.T) {
	e := newEnv(t, Options{})
	def := `{"StartAt":"P","States":{
		"P":{"Type":"Parallel","Branches":[{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"FailureType","Cause":"Cause description"}}}],
		     "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.caught","Next":"Done"}],"End":true},
		"Done":{"Type":"Pass","End":true}}}`
	sm := e.machine("m", def)
	exec := e.start(sm, "run", `{"keep":1}`)
	out := e.wantStatus(exec, types.ExecutionStatusSucceeded)
	jsonEq(t, aws.ToString(out.Output), `{"keep":1,"caught":{"Error":"FailureType","Cause":"Cause description"}}`)
}
