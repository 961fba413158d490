package sfnlocal

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

func TestCreateActivity_SameName_Idempotent(t *testing.T) {
	e := newEnv(t, Options{})
	first := e.activity("approve")
	if second := e.activity("approve"); second != first {
		t.Fatalf("second CreateActivity = %s, want %s", second, first)
	}
	if first != "arn:aws:states:us-east-1:123456789012:activity:approve" {
		t.Fatalf("arn = %s", first)
	}
}

func TestCreateActivity_InvalidName_InvalidName(t *testing.T) {
	e := newEnv(t, Options{})
	_, err := e.client.CreateActivity(e.ctx, &sfn.CreateActivityInput{Name: aws.String("activity name")})
	wantAPIError[*types.InvalidName](t, err)
}

func TestDescribeActivity_Unknown_ActivityDoesNotExist(t *testing.T) {
	e := newEnv(t, Options{})
	_, err := e.client.DescribeActivity(e.ctx, &sfn.DescribeActivityInput{ActivityArn: aws.String("arn:aws:states:us-east-1:123456789012:activity:nope")})
	wantAPIError[*types.ActivityDoesNotExist](t, err)
}

func TestDescribeActivity_BadArn_InvalidArn(t *testing.T) {
	e := newEnv(t, Options{})
	_, err := e.client.DescribeActivity(e.ctx, &sfn.DescribeActivityInput{ActivityArn: aws.String("no_an_activity_arn")})
	wantAPIError[*types.InvalidArn](t, err)
}

func TestListActivities_Paging_DeleteActivity(t *testing.T) {
	e := newEnv(t, Options{})
	for _, n := range []string{"a", "b", "c"} {
		e.activity(n)
	}
	first, err := e.client.ListActivities(e.ctx, &sfn.ListActivitiesInput{MaxResults: 2})
	if err != nil {
		t.Fatalf("ListActivities: %v", err)
	}
	if len(first.Activities) != 2 || first.NextToken == nil {
		t.Fatalf("first page = %d items, nextToken %v", len(first.Activities), first.NextToken)
	}
	second, err := e.client.ListActivities(e.ctx, &sfn.ListActivitiesInput{MaxResults: 2, NextToken: first.NextToken})
	if err != nil {
		t.Fatalf("ListActivities page 2: %v", err)
	}
	if len(second.Activities) != 1 || second.NextToken != nil || aws.ToString(second.Activities[0].Name) != "c" {
		t.Fatalf("second page = %+v", second)
	}
	if _, err := e.client.DeleteActivity(e.ctx, &sfn.DeleteActivityInput{ActivityArn: first.Activities[0].ActivityArn}); err != nil {
		t.Fatalf("DeleteActivity: %v", err)
	}
	_, err = e.client.DescribeActivity(e.ctx, &sfn.DescribeActivityInput{ActivityArn: first.Activities[0].ActivityArn})
	wantAPIError[*types.ActivityDoesNotExist](t, err)
}

func TestListActivities_BadNextToken_InvalidToken(t *testing.T) {
	e := newEnv(t, Options{})
	_, err := e.client.ListActivities(e.ctx, &sfn.ListActivitiesInput{NextToken: aws.String("garbage")})
	wantAPIError[*types.InvalidToken](t, err)
}

func TestGetActivityTask_Unknown_ActivityDoesNotExist(t *testing.T) {
	e := newEnv(t, Options{})
	_, err := e.client.GetActivityTask(e.ctx, &sfn.GetActivityTaskInput{ActivityArn: aws.String("arn:aws:states:us-east-1:123456789012:activity:nope")})
	wantAPIError[*types.ActivityDoesNotExist](t, err)
}

// pollAsync long-polls in a goroutine and delivers the answer on a channel.
func (e *env) pollAsync(ctx context.Context, activityArn string) <-chan *sfn.GetActivityTaskOutput {
	ch := make(chan *sfn.GetActivityTaskOutput, 1)
	go func() {
		out, err := e.client.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: aws.String(activityArn)})
		if err != nil {
			out = nil
		}
		ch <- out
	}()
	return ch
}

func TestGetActivityTask_NoTaskWithinPollWait_EmptyTaskToken(t *testing.T) {
	e := newEnv(t, Options{MaxPollWait: 5 * time.Second})
	act := e.activity("idle")
	ch := e.pollAsync(e.ctx, act)
	eventually(t, "the poll to park", func() bool { return e.waitingPollers(act) == 1 })
	e.clock.Advance(5 * time.Second)
	out := <-ch
	if out == nil || out.TaskToken != nil {
		t.Fatalf("GetActivityTask = %+v, want an answer without taskToken", out)
	}
}

func TestGetActivityTask_TaskScheduledDuringPoll_Delivered(t *testing.T) {
	e := newEnv(t, Options{})
	act := e.activity("approve")
	sm := e.machine("single", sprintf(approvalTask, act))
	ch := e.pollAsync(e.ctx, act)
	eventually(t, "the poll to park", func() bool { return e.waitingPollers(act) == 1 })
	e.start(sm, "run", `{"n":1}`)
	out := <-ch
	if out == nil || aws.ToString(out.TaskToken) == "" {
		t.Fatalf("GetActivityTask = %+v, want the task", out)
	}
	jsonEq(t, aws.ToString(out.Input), `{"n":1}`)
}

func TestGetActivityTask_TwoPollersOneTask_DeliveredOnce(t *testing.T) {
	e := newEnv(t, Options{MaxPollWait: 5 * time.Second})
	act := e.activity("approve")
	sm := e.machine("single", sprintf(approvalTask, act))
	a, b := e.pollAsync(e.ctx, act), e.pollAsync(e.ctx, act)
	eventually(t, "both polls to park", func() bool { return e.waitingPollers(act) == 2 })
	e.start(sm, "run", `{}`)
	eventually(t, "one poll to be served", func() bool { return e.waitingPollers(act) == 1 })
	e.clock.Advance(5 * time.Second)
	got := 0
	for _, ch := range []<-chan *sfn.GetActivityTaskOutput{a, b} {
		if out := <-ch; out != nil && out.TaskToken != nil {
			got++
		}
	}
	if got != 1 {
		t.Fatalf("%d pollers got the task, want 1", got)
	}
}

func TestGetActivityTask_RequestCancelled_TaskGoesToNextPoller(t *testing.T) {
	e := newEnv(t, Options{})
	act := e.activity("approve")
	sm := e.machine("single", sprintf(approvalTask, act))
	ctx, cancel := context.WithCancel(e.ctx)
	ch := e.pollAsync(ctx, act)
	eventually(t, "the poll to park", func() bool { return e.waitingPollers(act) == 1 })
	cancel()
	<-ch
	eventually(t, "the poll to leave", func() bool { return e.waitingPollers(act) == 0 })
	e.start(sm, "run", `{}`)
	if token, _ := e.poll(act); token == "" {
		t.Fatal("no task for the next poller")
	}
}
