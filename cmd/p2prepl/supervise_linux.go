package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/p2prepl/p2prepl/bindings"
)

// limitAddressSpace caps the address space at what the process maps now
// (go.starlark.net reserves 4 GB for small ints at start-up) plus the
// heap the collector allows (the limit and its headroom) and a margin for
// fragmentation, stacks and the runtime's own structures.
func limitAddressSpace(limit int64) {
	vm := vmSize()
	if vm == 0 {
		return
	}
	heap := limit + limit/bindings.GCHeadroom
	as := uint64(vm) + uint64(heap) + uint64(heap)/4 + 512<<20
	unix.Setrlimit(unix.RLIMIT_AS, &unix.Rlimit{Cur: as, Max: as})
}

var vmSizeRE = regexp.MustCompile(`(?m)^VmSize:\s+(\d+) kB`)

func vmSize() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	m := vmSizeRE.FindSubmatch(data)
	if m == nil {
		return 0
	}
	kb, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return kb << 10
}

// supervise runs p2prepl with args as a child process limited to limit
// bytes, and returns its exit status. The child shares the terminal (fds
// 0 and 1, and the real stderr as fd 3); its fd 2 is a pipe the
// supervisor reads, which only the Go runtime writes to when the process
// dies: a failed allocation becomes one line saying that the memory limit
// was reached, any other crash an internal error. Ctrl-C reaches the
// child from the terminal; the supervisor passes on SIGINT only when it
// did not come from there (see inForeground), and SIGTERM and SIGHUP.
// It returns -1 if the child cannot be started (the caller then runs the
// command itself).
func supervise(args []string, limit int64) int {
	if os.Getenv(noSupervisorEnv) != "" {
		return -1
	}
	exe, err := os.Executable()
	if err != nil {
		return -1
	}
	crashR, crashW, err := os.Pipe()
	if err != nil {
		return -1
	}
	statusR, statusW, err := os.Pipe()
	if err != nil {
		return -1
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), childEnv+"="+strconv.FormatInt(limit, 10))
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, crashW
	cmd.ExtraFiles = []*os.File{os.Stderr, statusW}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}

	// Pdeathsig fires when the thread that started the child exits, not
	// the process: keep this goroutine on its thread until the child ends.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		crashR.Close()
		statusR.Close()
		return -1
	}
	crashW.Close()
	statusW.Close()
	go func() {
		for s := range sigs {
			if s == os.Interrupt && inForeground() {
				continue // Ctrl-C reached the child from the terminal too
			}
			cmd.Process.Signal(s) // kill -INT, timeout -s INT: the child has no other way to hear it
		}
	}()

	var wg sync.WaitGroup
	var crash bytes.Buffer
	var status childStatus
	var mu sync.Mutex
	wg.Add(2)
	go func() {
		defer wg.Done()
		io.Copy(&limitedBuffer{b: &crash, max: 1 << 20}, crashR)
	}()
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(statusR)
		for sc.Scan() {
			mu.Lock()
			if s, err := parseStatus(sc.Text(), status); err == nil {
				status = s
			}
			mu.Unlock()
		}
	}()
	waitErr := cmd.Wait()
	wg.Wait()
	crashR.Close()
	statusR.Close()

	code := 0
	var ee *exec.ExitError
	if errors.As(waitErr, &ee) {
		code = ee.ExitCode()
	} else if waitErr != nil {
		fmt.Fprintf(os.Stderr, "p2prepl: %v\n", waitErr)
		return exitInternal
	}
	out := crash.String()
	if asked, inUse, ok := outOfMemory(out); ok {
		fmt.Fprintln(os.Stderr, memoryMessage(limit, asked, inUse, status))
		debugDump(out)
		return exitScriptError
	}
	if isCrash(out) {
		first := strings.TrimSpace(strings.SplitN(strings.TrimSpace(out), "\n", 2)[0])
		reportInternal(os.Stderr, first)
		debugDump(out)
		return exitInternal
	}
	os.Stderr.WriteString(out) // anything else the runtime said (a race report)
	if code < 0 {
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			sig := ws.Signal()
			if sig == syscall.SIGKILL {
				who := ""
				if status.script != "" {
					who = status.script + ": "
				}
				fmt.Fprintf(os.Stderr, "p2prepl: %skilled (SIGKILL); if the system ran out of memory, lower --max-memory\n", who)
			}
			return 128 + int(sig)
		}
		return exitInternal
	}
	return code
}

// inForeground reports whether the supervisor (and so the child, in its
// process group) is the foreground process group of its terminal: then a
// SIGINT is Ctrl-C, which the terminal sent to both. A SIGINT sent to the
// supervisor alone (kill -INT, timeout -s INT, a job without a terminal)
// must be passed on, or the child never stops.
func inForeground() bool {
	pg := unix.Getpgrp()
	for _, fd := range []int{0, 1, 2} {
		if fg, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP); err == nil {
			return fg == pg
		}
	}
	return false
}

// isCrash recognises a fatal error or an unrecovered panic of the Go
// runtime.
func isCrash(out string) bool {
	return strings.Contains(out, "fatal error:") || strings.HasPrefix(strings.TrimSpace(out), "panic:") ||
		strings.Contains(out, "\ngoroutine ") && strings.Contains(out, "[running]")
}

// debugDump prints the child's crash output when P2PREPL_DEBUG is set.
func debugDump(out string) {
	if os.Getenv("P2PREPL_DEBUG") != "" {
		os.Stderr.WriteString(out)
	}
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	b   *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.b.Len(); room > 0 {
		l.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
