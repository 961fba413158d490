package main

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// out is the demo's voice: one timestamped line per step, so a newcomer never stares at a
// silent terminal. Everything else (operator, client-go, control plane) goes to log files.
var outMu sync.Mutex

// say prints one timestamped line.
func say(format string, args ...any) {
	outMu.Lock()
	defer outMu.Unlock()
	fmt.Printf("[demo %s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// block prints lines verbatim (commands to copy), framed so they stand out.
func block(lines ...string) {
	outMu.Lock()
	defer outMu.Unlock()
	fmt.Println(strings.Repeat("-", 78))
	for _, l := range lines {
		fmt.Println(l)
	}
	fmt.Println(strings.Repeat("-", 78))
}

// step prints a line before a step that takes a while and returns a func that reports how
// long it took.
func step(format string, args ...any) func() {
	start := time.Now()
	say(format, args...)
	return func() { say("  ... done in %s", time.Since(start).Round(100*time.Millisecond)) }
}
