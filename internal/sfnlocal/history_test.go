package sfnlocal

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

func TestGetExecutionHistory_SimpleRun_TypedEventsChained(t *testing.T) {
	e := newEnv(t, Options{})
	act := e.activity("approve")
	sm := e.machine("m", sprintf(`{"StartAt":"Prep","States":{
		"Prep":{"Type":"Pass","Result":{"x":1},"Next":"Approve"},
		"Approve":{"Type":"Task","Resource":"%s","HeartbeatSeconds":60,"Next":"Done"},
		"Done":{"Type":"Succeed"}}}`, act))
	exec := e.start(sm, "run", `{"in":true}`)
	token, _ := e.poll(act)
	if err := e.succeed(token, `{"ok":true}`); err != nil {
		t.Fatal(err)
	}
	events := e.history(exec)
	want := []string{"ExecutionStarted", "PassStateEntered", "PassStateExited", "TaskStateEntered", "ActivityScheduled",
		"ActivityStarted", "ActivitySucceeded", "TaskStateExited", "SucceedStateEntered", "SucceedStateExited", "ExecutionSucceeded"}
	if got := eventTypes(events); !slices.Equal(got, want) {
		t.Fatalf("types = %v\nwant    %v", got, want)
	}
	for i, ev := range events {
		wantPrev := int64(i)
		if i == 1 {
			wantPrev = 0 // AWS chains the first state to no event
		}
		if ev.Id != int64(i+1) || ev.PreviousEventId != wantPrev || !ev.Timestamp.Equal(t0) {
			t.Fatalf("event %d: id %d prev %d ts %v", i, ev.Id, ev.PreviousEventId, ev.Timestamp)
		}
	}
	started := events[0].ExecutionStartedEventDetails
	if aws.ToString(started.Input) != `{"in":true}` || aws.ToString(started.RoleArn) != testRole {
		t.Fatalf("ExecutionStarted = %+v", started)
	}
	if d := events[1].StateEnteredEventDetails; aws.ToString(d.Name) != "Prep" || aws.ToString(d.Input) != `{"in":true}` {
		t.Fatalf("PassStateEntered = %+v", d)
	}
	if d := events[4].ActivityScheduledEventDetails; aws.ToString(d.Resource) != act || aws.ToInt64(d.HeartbeatInSeconds) != 60 || d.TimeoutInSeconds != nil {
		t.Fatalf("ActivityScheduled = %+v", d)
	}
	if d := events[5].ActivityStartedEventDetails; aws.ToString(d.WorkerName) != "worker" {
		t.Fatalf("ActivityStarted = %+v", d)
	}
	jsonEq(t, aws.ToString(events[6].ActivitySucceededEventDetails.Output), `{"ok":true}`)
	jsonEq(t, aws.ToString(events[10].ExecutionSucceededEventDetails.Output), `{"ok":true}`)
}

func TestGetExecutionHistory_ReverseOrderAndMaxResults(t *testing.T) {
	e := newEnv(t, Options{})
	sm := e.machine("m", passMachine)
	exec := e.start(sm, "run", `{}`)
	page, err := e.client.GetExecutionHistory(e.ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(exec), ReverseOrder: true, MaxResults: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got := eventTypes(page.Events); !slices.Equal(got, []string{"ExecutionSucceeded", "PassStateExited"}) || page.NextToken == nil {
		t.Fatalf("first reverse page = %v next %v", got, page.NextToken)
	}
	rest, err := e.client.GetExecutionHistory(e.ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(exec), ReverseOrder: true, MaxResults: 2, NextToken: page.NextToken})
	if err != nil {
		t.Fatal(err)
	}
	if got := eventTypes(rest.Events); !slices.Equal(got, []string{"PassStateEntered", "ExecutionStarted"}) || rest.NextToken != nil {
		t.Fatalf("second reverse page = %v next %v", got, rest.NextToken)
	}
	_, err = e.client.GetExecutionHistory(e.ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(exec), MaxResults: 1001})
	wantErrorCode(t, err, "ValidationException")
}

func TestGetExecutionHistory_Unknown_ExecutionDoesNotExist(t *testing.T) {
	e := newEnv(t, Options{})
	_, err := e.client.GetExecutionHistory(e.ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String("arn:aws:states:us-east-1:123456789012:execution:m:x")})
	wantAPIError[*types.ExecutionDoesNotExist](t, err)
}

func TestGetExecutionHistory_ParallelAndMap_StateEvents(t *testing.T) {
	e := newEnv(t, Options{})
	sm := e.machine("m", `{"StartAt":"P","States":{
		"P":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}],"Next":"M"},
		"M":{"Type":"Map","Iterator":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"End":true}}}`)
	exec := e.start(sm, "run", `{}`)
	want := []string{"ExecutionStarted", "ParallelStateEntered", "ParallelStateStarted", "PassStateEntered", "PassStateExited",
		"ParallelStateSucceeded", "ParallelStateExited", "MapStateEntered", "MapStateStarted", "MapIterationStarted",
		"PassStateEntered", "PassStateExited", "MapIterationSucceeded", "MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"}
	events := e.history(exec)
	if got := eventTypes(events); !slices.Equal(got, want) {
		t.Fatalf("types = %v\nwant    %v", got, want)
	}
	if d := events[8].MapStateStartedEventDetails; d.Length != 1 {
		t.Fatalf("MapStateStarted = %+v", d)
	}
	if d := events[9].MapIterationStartedEventDetails; aws.ToString(d.Name) != "M" || d.Index != 0 {
		t.Fatalf("MapIterationStarted = %+v", d)
	}
}
