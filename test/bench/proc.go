package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// usage is what Linux accounts for a process: CPU time used and resident memory.
type usage struct {
	cpu     time.Duration // user + system
	rss     int64         // bytes resident now (VmRSS)
	peakRSS int64         // the most it was ever resident (VmHWM)
	at      time.Time
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's times: 100 on every Linux Go supports.
const clockTicks = 100

func readUsage(pid string) (usage, error) {
	u := usage{at: time.Now()}
	stat, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return u, fmt.Errorf("reading the manager's CPU time: %w", err)
	}
	// The command name (field 2) may hold spaces; the fields after its ')' are fixed.
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if len(fields) < 13 {
		return u, fmt.Errorf("/proc/%s/stat: %d fields after the name", pid, len(fields))
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64) // field 14
	stime, err2 := strconv.ParseInt(fields[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return u, fmt.Errorf("/proc/%s/stat: utime %q stime %q", pid, fields[11], fields[12])
	}
	u.cpu = time.Duration(utime+stime) * time.Second / clockTicks
	status, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return u, fmt.Errorf("reading the manager's memory: %w", err)
	}
	for line := range strings.Lines(string(status)) {
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		switch {
		case err != nil:
		case key == "VmRSS":
			u.rss = kb << 10
		case key == "VmHWM":
			u.peakRSS = kb << 10
		}
	}
	return u, nil
}

// cpuShare is the CPU used between two readings, as a share of one core.
func cpuShare(from, to usage) float64 {
	wall := to.at.Sub(from.at)
	if wall <= 0 {
		return 0
	}
	return float64(to.cpu-from.cpu) / float64(wall)
}
