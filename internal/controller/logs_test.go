package controller_test

import (
	"bytes"
	"io"
	"strings"
	"sync"

	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
)

// A task token is the power to decide a slot: the operator never writes one into a log line or
// an event. The suite keeps everything logged and checks it against every token the endpoint
// received an answer for.
var logged struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

type logKeeper struct{}

func (logKeeper) Write(p []byte) (int, error) {
	logged.mu.Lock()
	defer logged.mu.Unlock()
	return logged.buf.Write(p)
}

// tokenWatch sends the logs to w and keeps them for the check.
func tokenWatch(w io.Writer) io.Writer { return io.MultiWriter(w, logKeeper{}) }

// checkNoTokenLeaked fails the suite when a token appears in a log line or an event.
func checkNoTokenLeaked() {
	sfnLocal.mu.Lock()
	tokens := map[string]bool{}
	for _, s := range sfnLocal.sends {
		tokens[s.token] = true
	}
	sfnLocal.mu.Unlock()
	if len(tokens) == 0 {
		return // a focused run that decided nothing: nothing to check
	}

	var events eventsv1.EventList
	Expect(k8sClient.List(ctx, &events)).To(Succeed())
	logged.mu.Lock()
	logs := logged.buf.String()
	logged.mu.Unlock()
	for token := range tokens {
		Expect(strings.Contains(logs, token)).To(BeFalse(), "a task token appears in the operator's log")
		for _, e := range events.Items {
			Expect(e.Note).NotTo(ContainSubstring(token), "a task token appears in event %s/%s", e.Namespace, e.Name)
		}
	}
}
