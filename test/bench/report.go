package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// results are one run's numbers, written as JSON beside the table.
type results struct {
	Machine  machine `json:"machine"`
	Tiers    []tier  `json:"tiers"`
	IdleCPU  float64 `json:"idle_cpu_share_of_a_core"`
	IdleOver float64 `json:"idle_seconds"`
	Burst    burst   `json:"burst"`
	Restart  restart `json:"restart"`
	Calls    calls   `json:"calls"`
	Checks   []check `json:"checks"`
	Seconds  float64 `json:"run_seconds"`
	// Mails are the notifications the sink received (-notify; absent: notifications off).
	Mails int64 `json:"notification_mails,omitempty"`
}

type machine struct {
	CPUs      int    `json:"cpus"`
	Model     string `json:"cpu_model"`
	GoVersion string `json:"go"`
	Date      string `json:"date"`
}

func thisMachine() machine {
	m := machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), Date: time.Now().UTC().Format(time.DateOnly)}
	if info, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(info)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.Model = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

func (r *results) writeJSON(path string) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

// The peer's figures (Tekton's manual-approval-gate on this kind of machine) and tollgate's
// targets, from issue 15.
const (
	peerFloorP50, peerFloorP99     = 4.9, 7.6
	peerOutcomeP50, peerOutcomeP99 = 10.3, 17.9
	peerBurst                      = 1.7
	peerRSS1k                      = 74.0
)

// table prints the run as a Markdown table (measured, the peer, the target and whether it
// holds), then the calls behind it and the asserted properties.
func (r *results) table(w io.Writer) error {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 1, ' ', tabwriter.Debug)
	row := func(cells ...string) { _, _ = fmt.Fprintln(tw, "| "+strings.Join(cells, "\t ")+"\t") }
	_, _ = fmt.Fprintf(&buf, "tollgate bench, %s, %d CPUs (%s), %s\n\n", r.Machine.Date, r.Machine.CPUs, r.Machine.Model, r.Machine.GoVersion)
	row("measure", "tollgate", "peer", "target", "holds")
	row("---", "---", "---", "---", "---")
	for _, t := range r.Tiers {
		r.tierRows(row, t)
	}
	row(fmt.Sprintf("idle CPU (%.0f s, all pending)", r.IdleOver), fmt.Sprintf("%.1f %% of a core", 100*r.IdleCPU), "", "near zero", yes(r.IdleCPU < 0.02))
	b := r.Burst
	row(fmt.Sprintf("burst: %d decisions passed on", b.Decisions),
		fmt.Sprintf("%.0f /s (written in %.1f s, passed on in %.1f s)", b.PerSecond, b.WriteSeconds, b.PassedSeconds),
		fmt.Sprintf("%.1f /s", peerBurst), "≥ 500 /s", yes(b.PerSecond >= 500))
	row("burst: decision → SendTask p50 / p99", pair(b.Latency), "", "", "")
	rs, large := r.Restart, r.Restart.Pending >= 10_000
	row(fmt.Sprintf("restart with %d pending: decisions flow after", rs.Pending),
		fmt.Sprintf("%.1f s", rs.FlowingSeconds),
		"~200 s (1,000)", "< 30 s (10,000)", holdsIf(large, rs.FlowingSeconds < 30))
	row("restart: a decision written meanwhile, late by", fmt.Sprintf("%.1f s", rs.LateSeconds),
		"77–105 s", "< 1 s", holdsIf(large, rs.LateSeconds < 1))
	row("restart: StartExecution / DescribeExecution", fmt.Sprintf("%d / %d", rs.StartExecutions, rs.DescribeExecutions),
		"", "0 / —", yes(rs.StartExecutions == 0))
	if err := tw.Flush(); err != nil {
		return err
	}
	byOp := make([]string, 0, len(r.Calls.ByOperation))
	for _, op := range slices.Sorted(maps.Keys(r.Calls.ByOperation)) {
		byOp = append(byOp, fmt.Sprintf("%s %d", op, r.Calls.ByOperation[op]))
	}
	_, _ = fmt.Fprintf(&buf, "\nkube-apiserver requests per decision in the burst: %s\n", strings.Join(b.APIRequests, ", "))
	_, _ = fmt.Fprintf(&buf, "Step Functions calls in the run (%.0f s): %s\n\nasserted:\n", r.Seconds, strings.Join(byOp, ", "))
	for _, c := range r.Checks {
		mark := "ok  "
		if !c.OK {
			mark = "FAIL"
		}
		_, _ = fmt.Fprintf(&buf, "  %s %s: %s\n", mark, c.What, c.Got)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// tierRows are a tier's rows; the peer's figures and the targets are for 1,000 (and 10,000).
func (r *results) tierRows(row func(...string), t tier) {
	p, at1k := fmt.Sprintf("%d pending: ", t.Pending), t.Pending == 1000
	row(p+"floor (write → informer) p50 / p99", pair(t.Floor), peerIf(at1k, fmt.Sprintf("%.1f / %.1f ms", peerFloorP50, peerFloorP99)), "", "")
	ratio := t.Decision.P99 / t.Floor.P99
	row(p+"decision → SendTask p50 / p99", pair(t.Decision)+fmt.Sprintf(" (p99 %.1f× floor)", ratio), "", "p99 ≤ 2× floor", holdsIf(at1k, ratio <= 2))
	oratio := t.Outcome.P50 / t.Floor.P50
	row(p+"decision → Approved p50 / p99", pair(t.Outcome)+fmt.Sprintf(" (p50 %.1f× floor)", oratio),
		peerIf(at1k, fmt.Sprintf("%.1f / %.1f ms (2.1×)", peerOutcomeP50, peerOutcomeP99)), "p50 ≤ 2.1× floor", holdsIf(t.Pending == 1 || at1k, oratio <= 2.1))
	row(p+"creation → all tokens p50 / p99", pair(t.Tokens), "", "", "")
	target, holds := "", ""
	switch t.Pending {
	case 1000:
		target, holds = "< 74 MB", yes(t.Manager.PeakRSSMiB*(1<<20)/1e6 < peerRSS1k)
	case 10000:
		target, holds = "< 256 MiB", yes(t.Manager.PeakRSSMiB < 256)
	}
	row(p+"manager peak RSS", fmt.Sprintf("%.0f MiB", t.Manager.PeakRSSMiB), peerIf(at1k, "74 MB"), target, holds)
}

func pair(s stats) string { return fmt.Sprintf("%.1f / %.1f ms (n=%d)", s.P50, s.P99, s.N) }

func peerIf(ok bool, s string) string {
	if ok {
		return s
	}
	return ""
}

func holdsIf(applies, ok bool) string {
	if !applies {
		return ""
	}
	return yes(ok)
}

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}
