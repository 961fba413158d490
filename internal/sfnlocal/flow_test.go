package sfnlocal

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

const approvalTask = `{"StartAt":"Approve","States":{"Approve":{"Type":"Task","Resource":"%s","End":true}}}`

func TestActivityTask_SendTaskSuccess_ExecutionSucceeded(t *testing.T) {
	e := newEnv(t, Options{})
	act := e.activity("approve")
	sm := e.machine("single", sprintf(approvalTask, act))
	exec := e.start(sm, "run-1", `{"who":"alice"}`)
	token, input := e.poll(act)
	jsonEq(t, input, `{"who":"alice"}`)
	if err := e.succeed(token, `{"ok":true}`); err != nil {
		t.Fatalf("SendTaskSuccess: %v", err)
	}
	out := e.wantStatus(exec, types.ExecutionStatusSucceeded)
	jsonEq(t, aws.ToString(out.Output), `{"ok":true}`)
}
