package main

import (
	"bufio"
	"errors"
	"fmt"
	"log"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/p2prepl/p2prepl/bindings"
)

// The memory limit (--max-memory) works at two levels, because Go cannot
// recover from running out of memory:
//
//   - in the process that runs scripts, bindings.SetMemoryLimit keeps the
//     garbage collector under the limit and stops the script, or the
//     simulation, whose live heap outgrows it, with a message giving the
//     simulated time and the busiest event sources (growth through many
//     allocations: a dict of 10^9 entries, a storm of peers);
//   - that process is a child of a small supervisor (see supervise), with
//     its address space limited (RLIMIT_AS) to the limit plus a margin: a
//     single allocation larger than the rest ([0] * 1000000000 asks for 16
//     GB at once) fails in the Go runtime, which can only die, and the
//     supervisor turns its fatal error and goroutine dump into one line
//     saying which limit was reached and what to do.
//
// The default is a quarter of the machine's memory (of the cgroup's, if
// smaller), as the JVM sizes its heap, but at most 2 GB. A simulation of
// 100,000 peers uses about 200 MB, so 2 GB is ten times the largest
// benchmark; and a runaway that fills memory through Starlark (a dict of
// 10^9 entries grows by ~300 MB per second, slower as the collector works
// near the limit) must stop within seconds, not after a minute of filling
// a large machine: at 2 GB that takes about 7 s of CPU here, at 4 GB over
// 12 s. Larger experiments say so with --max-memory.

// memFlag is --max-memory: a size with a unit (4GB, 512MB) or "off".
type memFlag struct {
	v   int64
	set bool
}

func (m *memFlag) String() string {
	if !m.set {
		return ""
	}
	return bindings.FormatBytes(m.v)
}

func (m *memFlag) Set(s string) error {
	n, err := parseBytes(s)
	if err != nil {
		return err
	}
	m.v, m.set = n, true
	return nil
}

// parseBytes reads a size: a number and a unit (KB, MB, GB, TB, each a
// power of 1024; K, M, G, T and KiB... too), or "off" / "0" for no limit.
func parseBytes(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	if t == "OFF" || t == "NONE" || t == "0" {
		return 0, nil
	}
	num := strings.TrimRight(t, "KMGTIB")
	units := map[string]int64{
		"B": 1, "K": 1 << 10, "KB": 1 << 10, "KIB": 1 << 10, "M": 1 << 20, "MB": 1 << 20, "MIB": 1 << 20,
		"G": 1 << 30, "GB": 1 << 30, "GIB": 1 << 30, "T": 1 << 40, "TB": 1 << 40, "TIB": 1 << 40,
	}
	mult, ok := units[t[len(num):]]
	x, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if !ok || err != nil || !(x > 0) || math.IsInf(x, 0) || x*float64(mult) > 1<<60 {
		return 0, fmt.Errorf("want a size with a unit, like 4GB or 512MB, or off (got %q)", s)
	}
	n := int64(x * float64(mult))
	if n < 64<<20 {
		return 0, fmt.Errorf("a memory limit below 64 MB leaves no room to run (got %q)", s)
	}
	return n, nil
}

// maxMemoryArg finds --max-memory among the arguments (up to a "--"),
// where every command that runs scripts accepts it; ok is false when it
// is absent or malformed (the command's own flag parsing reports that).
func maxMemoryArg(args []string) (limit int64, ok bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "max-memory" {
			continue
		}
		if !hasVal {
			if i+1 >= len(args) {
				return 0, false
			}
			val = args[i+1]
			i++
		}
		n, err := parseBytes(val)
		if err != nil {
			return 0, false
		}
		limit, ok = n, true
	}
	return limit, ok
}

// runsScripts reports whether the command line runs Starlark (and so gets
// a memory limit): run, sweep, explore, the REPL; not help or results.
func runsScripts(args []string) bool {
	if len(args) == 0 {
		return true
	}
	switch args[0] {
	case "help", "results", "trace":
		return false
	}
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "-help" {
			return false
		}
	}
	return true
}

// defaultMaxMemory is a quarter of the machine's memory, or of the
// cgroup's limit if smaller, at most maxDefaultMemory.
func defaultMaxMemory() int64 {
	total := memTotal()
	if c := cgroupLimit(); c > 0 && (total == 0 || c < total) {
		total = c
	}
	if total <= 0 {
		return maxDefaultMemory
	}
	return min(max(total/4, 256<<20), maxDefaultMemory)
}

// maxDefaultMemory caps the default limit (see above).
const maxDefaultMemory = 2 << 30

// memTotal reads MemTotal from /proc/meminfo (0 if it cannot).
func memTotal() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

// cgroupLimit reads the cgroup v2 memory limit (0 if none).
func cgroupLimit() int64 {
	data, err := os.ReadFile("/sys/fs/cgroup/memory.max")
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	if err != nil {
		return 0 // "max"
	}
	return n
}

// oomRE reads the Go runtime's report of a failed allocation.
var oomRE = regexp.MustCompile(`cannot allocate (\d+)-byte block \((\d+) in use\)`)

// outOfMemory recognises the Go runtime's fatal error for a failed
// allocation, the size it asked for and the heap in use then (0 if not
// said).
func outOfMemory(crash string) (asked, inUse int64, ok bool) {
	if !strings.Contains(crash, "fatal error: out of memory") && !strings.Contains(crash, "runtime: out of memory") {
		return 0, 0, false
	}
	if m := oomRE.FindStringSubmatch(crash); m != nil {
		asked, _ = strconv.ParseInt(m[1], 10, 64)
		inUse, _ = strconv.ParseInt(m[2], 10, 64)
	}
	return asked, inUse, true
}

// memoryMessage is what the supervisor prints when the child died of a
// failed allocation. The process dies inside the allocation, in the Go
// runtime, and its report holds Go frames only: the script's line is
// unknown (another goroutine cannot read a running Starlark thread's
// position safely), so the message names the script the child said it
// runs.
func memoryMessage(limit, asked, inUse int64, status childStatus) string {
	var b strings.Builder
	b.WriteString("p2prepl: ")
	if status.script != "" {
		b.WriteString(status.script + ": ")
	}
	fmt.Fprintf(&b, "memory limit of %s exceeded", bindings.FormatBytes(limit))
	switch {
	case asked >= limit || inUse == 0 && asked > 0:
		fmt.Fprintf(&b, ": the script asked for %s in one allocation (a list, string or table that large: [0] * 1000000000 is 16 GB)", bindings.FormatBytes(asked))
	case asked > 0:
		fmt.Fprintf(&b, ": with %s in use the script asked for %s more", bindings.FormatBytes(inUse), bindings.FormatBytes(asked))
	}
	if status.running {
		fmt.Fprintf(&b, "; a simulation was running, last seen at t=%s ms", formatMs(status.now))
	}
	if status.script != "" {
		b.WriteString("; the line is not known (the process ended inside the allocation)")
	}
	fmt.Fprintf(&b, "; the limit is --max-memory (the default is a quarter of the machine's memory, at most %s): raise it, e.g. --max-memory %s, or make the value smaller",
		bindings.FormatBytes(maxDefaultMemory), flagBytes(suggestLimit(limit, asked, inUse)))
	return b.String()
}

// suggestLimit is a limit to suggest: a power of two in MB at least twice
// the limit and a quarter above what was in use and asked for.
func suggestLimit(limit, asked, inUse int64) int64 {
	want := max(2*limit, (asked+inUse)/4*5)
	s := int64(64 << 20)
	for s < want && s < 1<<50 {
		s *= 2
	}
	return s
}

// flagBytes writes a power-of-two size as --max-memory reads it (4GB).
func flagBytes(n int64) string {
	if n >= 1<<30 {
		return strconv.FormatInt(n>>30, 10) + "GB"
	}
	return strconv.FormatInt(n>>20, 10) + "MB"
}

// childStatus is the last progress the child reported (see supervise),
// and the script it runs.
type childStatus struct {
	running bool
	now     float64
	script  string
}

// parseStatus reads a progress line, "run T" or "idle T", into s; a line
// "script "FILE"" names the script (see noteScript).
func parseStatus(line string, s childStatus) (childStatus, error) {
	if q, ok := strings.CutPrefix(line, "script "); ok {
		f, err := strconv.Unquote(q)
		if err != nil {
			return s, err
		}
		s.script = f
		return s, nil
	}
	f := strings.Fields(line)
	if len(f) != 2 {
		return s, errors.New("bad status line")
	}
	now, err := strconv.ParseFloat(f[1], 64)
	if err != nil {
		return s, err
	}
	s.running, s.now = f[0] == "run", now
	return s, nil
}

// childEnv marks the process that runs scripts under a supervisor; its
// value is the memory limit in bytes.
const childEnv = "P2PREPL_SUPERVISED"

// noSupervisorEnv, when set, runs scripts in the process itself (no
// address-space limit: a single huge allocation then ends in a Go fatal
// error), for debugging p2prepl.
const noSupervisorEnv = "P2PREPL_NO_SUPERVISOR"

// Descriptors the supervisor passes to the child, besides 0, 1 and 2: the
// child's own stderr is a pipe that only the Go runtime writes to (a
// fatal error, a goroutine dump); what p2prepl prints goes to childStderr,
// the real standard error; the child reports progress on childStatusFD.
const (
	childStderrFD = 3
	childStatusFD = 4
)

// startMemoryLimit applies the memory limit in the process that runs
// scripts: under a supervisor it also takes its real stderr (fd 3), limits
// its address space and reports progress; it returns the stderr to use.
// It returns ok false when the process should supervise a child instead.
func startMemoryLimit(args []string) (stderr *os.File, supervised bool) {
	limit := defaultMaxMemory()
	if v, ok := maxMemoryArg(args); ok {
		limit = v
	}
	stderr = os.Stderr
	if v := os.Getenv(childEnv); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			limit = n
		}
		stderr = os.NewFile(childStderrFD, "/dev/stderr")
		os.Stderr = stderr
		log.SetOutput(stderr)
		if limit > 0 && !raceEnabled {
			limitAddressSpace(limit)
		}
		statusFile = os.NewFile(childStatusFD, "status")
		go reportStatus(statusFile)
	}
	if limit > 0 {
		bindings.SetMemoryLimit(limit, func(msg string) {
			fmt.Fprintln(stderr, "p2prepl: "+msg)
			os.Exit(exitScriptError)
		})
	}
	return stderr, os.Getenv(childEnv) != ""
}

// statusFile is where a supervised child reports to the supervisor.
var statusFile *os.File

// noteScript tells the supervisor, if any, the script this process runs,
// for its message if the process dies. A line this short is written to
// the pipe whole, whatever reportStatus writes meanwhile.
func noteScript(file string) {
	if statusFile != nil && file != "" && file != "-" {
		fmt.Fprintf(statusFile, "script %s\n", strconv.Quote(file))
	}
}

// running is the session the child runs, for its status reports.
var running atomic.Pointer[bindings.Env]

// reportStatus writes "run T" or "idle T" every 200 ms: whether a
// simulation is running and the simulated time it reached, for the
// supervisor's message if the process dies.
func reportStatus(w *os.File) {
	for range time.Tick(200 * time.Millisecond) {
		state, now := "idle", 0.0
		if e := running.Load(); e != nil {
			if t, _, _, ok := e.Running(); ok {
				state, now = "run", t
			}
		}
		if _, err := fmt.Fprintf(w, "%s %s\n", state, strconv.FormatFloat(now, 'g', -1, 64)); err != nil {
			return
		}
	}
}
