package sfnlocal

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// setCompactMinBytes lets a test compact small journals.
func (e *env) setCompactMinBytes(n int64) {
	e.srv.mu.Lock()
	defer e.srv.mu.Unlock()
	e.srv.store.compactMinBytes = n
}

func (e *env) journalWritten() int64 {
	e.srv.mu.Lock()
	defer e.srv.mu.Unlock()
	return e.srv.store.written
}

// A change costs the state file what it changed, not what ran before: the
// bytes written per change, compactions included, stay the same at 10 and at
// 1,000 executions (the JSON snapshot wrote ~700 times more at 1,000).
// Heartbeats rewrite an execution without adding to it, so the journal
// outgrows the live state and compacts.
func TestStore_BytesPerChangeDoNotGrowWithHistory(t *testing.T) {
	const heartbeats = 3
	type cost struct{ amortized, oneChange float64 }
	costs := map[int]cost{}
	for _, n := range []int{10, 1000} {
		file := filepath.Join(t.TempDir(), "state")
		e := newEnv(t, Options{StateFile: file})
		e.setCompactMinBytes(64 << 10)
		act := e.activity("approve")
		sm := e.machine("m", heartbeatTask(act, ""))
		before := e.journalWritten()
		for i := range n {
			e.start(sm, sprintf("run-%04d", i), `{"n":1}`)
			token, _ := e.poll(act)
			for range heartbeats {
				if _, err := e.client.SendTaskHeartbeat(e.ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String(token)}); err != nil {
					t.Fatal(err)
				}
			}
		}
		written := e.journalWritten() - before
		amortized := float64(written) / float64((2+heartbeats)*n)
		if n == 1000 && fileSize(t, file) > written/2 {
			t.Errorf("journal of %d bytes after %d written: no compaction", fileSize(t, file), written)
		}

		e.setCompactMinBytes(1 << 40)
		token := func() string {
			e.start(sm, "last", `{"n":1}`)
			token, _ := e.poll(act)
			return token
		}()
		before = e.journalWritten()
		if err := e.succeed(token, `{"ok":true}`); err != nil {
			t.Fatal(err)
		}
		costs[n] = cost{amortized, float64(e.journalWritten() - before)}
		t.Logf("%d executions: %.0f B/change amortized (compactions included), %.0f B for one SendTaskSuccess", n, costs[n].amortized, costs[n].oneChange)
	}
	small, large := costs[10], costs[1000]
	if large.oneChange > small.oneChange+64 {
		t.Errorf("one SendTaskSuccess wrote %.0f B at 1,000 executions, %.0f B at 10", large.oneChange, small.oneChange)
	}
	if large.amortized > 3*small.amortized {
		t.Errorf("a change wrote %.0f B at 1,000 executions, %.0f B at 10 (compactions included)", large.amortized, small.amortized)
	}
}

// A restart on the same journal restores everything answered: resources,
// finished and running executions with their histories, delivered and
// queued tasks, whose tokens stay answerable. With compactMinBytes 1 the
// first server compacts after every change.
func TestStore_RestartRestoresEverything(t *testing.T) {
	for _, tc := range []struct {
		name       string
		compactMin int64
	}{
		{"journal only", defaultCompactMinBytes},
		{"compacted on every change", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "state")
			first := newEnv(t, Options{StateFile: file})
			first.setCompactMinBytes(tc.compactMin)
			act := first.activity("approve")
			gone := first.activity("gone")
			sm := first.machine("m", heartbeatTask(act, ""))
			done := first.start(sm, "done", `{}`)
			token, _ := first.poll(act)
			if err := first.succeed(token, `{"ok":true}`); err != nil {
				t.Fatal(err)
			}
			delivered := first.start(sm, "delivered", `{}`)
			open, _ := first.poll(act)
			queued := first.start(sm, "queued", `{"q":1}`)
			if _, err := first.client.DeleteActivity(first.ctx, &sfn.DeleteActivityInput{ActivityArn: aws.String(gone)}); err != nil {
				t.Fatal(err)
			}
			histories := map[string][]string{}
			for _, arn := range []string{done, delivered, queued} {
				histories[arn] = eventTypes(first.history(arn))
			}
			if err := first.srv.Close(); err != nil {
				t.Fatal(err)
			}

			second := newEnv(t, Options{StateFile: file})
			for arn, want := range histories {
				if got := eventTypes(second.history(arn)); !slices.Equal(got, want) {
					t.Errorf("history of %s after restart = %v, want %v", arn, got, want)
				}
			}
			acts, err := second.client.ListActivities(second.ctx, &sfn.ListActivitiesInput{})
			if err != nil {
				t.Fatal(err)
			}
			if len(acts.Activities) != 1 || aws.ToString(acts.Activities[0].ActivityArn) != act {
				t.Errorf("activities after restart = %+v, want only %s", acts.Activities, act)
			}
			wantAPIError[*types.TaskTimedOut](t, second.succeed(token, `{}`))
			if err := second.succeed(open, `{"after":"restart"}`); err != nil {
				t.Fatalf("SendTaskSuccess of the delivered token after restart: %v", err)
			}
			out := second.wantStatus(delivered, types.ExecutionStatusSucceeded)
			jsonEq(t, aws.ToString(out.Output), `{"after":"restart"}`)
			requeued, input := second.poll(act)
			jsonEq(t, input, `{"q":1}`)
			if err := second.succeed(requeued, `{}`); err != nil {
				t.Fatalf("SendTaskSuccess of the requeued task: %v", err)
			}
			second.wantStatus(queued, types.ExecutionStatusSucceeded)
			second.wantStatus(done, types.ExecutionStatusSucceeded)
			// A third start sees what the second one changed.
			if err := second.srv.Close(); err != nil {
				t.Fatal(err)
			}
			third := newEnv(t, Options{StateFile: file})
			third.wantStatus(queued, types.ExecutionStatusSucceeded)
			if got := third.history(queued); len(got) == 0 || got[len(got)-1].Type != types.HistoryEventTypeExecutionSucceeded {
				t.Errorf("history of %s after the second restart = %v", queued, eventTypes(got))
			}
		})
	}
}

// A process killed in the middle of a write leaves a torn last frame: it is
// dropped on load, with the change it held (never answered), and everything
// before it is kept; the journal goes on after the cut.
func TestStore_TornTailIsDropped(t *testing.T) {
	for _, tc := range []struct {
		name string
		tear func(data []byte, lastFrame int) []byte
	}{
		{"last frame cut short", func(data []byte, _ int) []byte { return data[:len(data)-5] }},
		{"only part of a frame header", func(data []byte, last int) []byte { return data[:last+3] }},
		{"last frame's checksum wrong", func(data []byte, _ int) []byte {
			data[len(data)-2] ^= 0xff
			return data
		}},
		{"zeros after the last frame", func(data []byte, last int) []byte {
			return append(data[:last], make([]byte, 100)...)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "state")
			first := newEnv(t, Options{StateFile: file})
			act := first.activity("approve")
			sm := first.machine("m", sprintf(approvalTask, act))
			kept := first.start(sm, "kept", `{}`)
			token, _ := first.poll(act)
			if err := first.srv.Close(); err != nil {
				t.Fatal(err)
			}
			last := fileSize(t, file)
			second := newEnv(t, Options{StateFile: file})
			lost := second.start(sm, "lost", `{}`) // one commit: the last frame
			if err := second.srv.Close(); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, tc.tear(data, int(last)), 0o600); err != nil {
				t.Fatal(err)
			}

			third := newEnv(t, Options{StateFile: file})
			third.wantStatus(kept, types.ExecutionStatusRunning)
			_, err = third.client.DescribeExecution(third.ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(lost)})
			wantAPIError[*types.ExecutionDoesNotExist](t, err)
			if got := fileSize(t, file); got != last {
				t.Errorf("journal is %d bytes after load, want the intact %d", got, last)
			}
			if err := third.succeed(token, `{}`); err != nil {
				t.Fatal(err)
			}
			if err := third.srv.Close(); err != nil {
				t.Fatal(err)
			}
			fourth := newEnv(t, Options{StateFile: file})
			fourth.wantStatus(kept, types.ExecutionStatusSucceeded)
		})
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Size()
}

// A version 1 snapshot (testdata/state-v1.json: a Parallel execution, one
// branch answered, one token delivered, one task queued) is migrated to a
// journal in place.
func TestStore_MigratesSnapshotV1(t *testing.T) {
	data, err := os.ReadFile("testdata/state-v1.json")
	if err != nil {
		t.Fatal(err)
	}
	var snap snapshotV1
	mustUnmarshal(t, string(data), &snap)
	file := filepath.Join(t.TempDir(), "sfnlocal.json")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, Options{StateFile: file})
	migrated, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(migrated, []byte(journalMagic)) {
		t.Fatalf("state file after migration starts with %q", migrated[:20])
	}
	exec := snap.Executions[0].ARN
	e.wantStatus(exec, types.ExecutionStatusRunning)
	for token, rec := range snap.Tokens {
		if !rec.Open {
			wantAPIError[*types.TaskTimedOut](t, e.succeed(token, `"again"`))
			continue
		}
		if err := e.succeed(token, `"ok"`); err != nil {
			t.Fatalf("SendTaskSuccess of a migrated token: %v", err)
		}
	}
	e.wantStatus(exec, types.ExecutionStatusSucceeded)
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	again := newEnv(t, Options{StateFile: file})
	again.wantStatus(exec, types.ExecutionStatusSucceeded)
}

func TestStore_RefusesWhatItCannotRead(t *testing.T) {
	for _, tc := range []struct {
		name, content, want string
	}{
		{"another file", "hello\n", "move it away"},
		{"a snapshot of another version", `{"Version":7}`, "unsupported state file version 7"},
		{"an intact frame that is not records", string(appendFrame([]byte(journalMagic), []byte(`{"k":1}`))), "frame at offset 19"},
		{"events of no execution", string(appendFrame([]byte(journalMagic), []byte(`[{"k":"event","id":"x","v":{}}]`))), "unknown execution x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "state")
			if err := os.WriteFile(file, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := New(Options{StateFile: file})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
