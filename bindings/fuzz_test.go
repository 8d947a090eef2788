//go:build unix

package bindings

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"sync"
	"testing"
	"time"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarktest"
	"golang.org/x/sys/unix"
)

// Limits of one fuzz input: small, so that each input ends in well under
// a second, whatever it does.
const (
	fuzzSteps     = 200_000
	fuzzEvents    = 50_000
	fuzzWall      = 2 * time.Second // then the run is interrupted
	fuzzInterrupt = 5 * time.Second // to stop after the interruption
)

// FuzzScript runs arbitrary scripts as `p2prepl run` does (an Env with
// the standard library), each with small step and event limits and an
// output directory of its own. It fails on an internal error (a Go panic
// inside a builtin, recovered at the boundary), on a Go panic anywhere
// else (it crashes the fuzz worker), and on an ignored interruption: a
// script still running fuzzInterrupt after Env.Interrupt. Any ordinary
// script error is fine.
//
// The seed corpus is every .star file of the repository (scripts, stdlib,
// the tests' testdata); `go test ./...` runs it. To fuzz:
//
//	go test ./bindings -run '^$' -fuzz FuzzScript -parallel 1 -fuzztime 10m
//
// While fuzzing, the worker's address space is limited (RLIMIT_AS), so
// that an input allocating tens of GB in one Starlark operation ([0] *
// 1000000000) cannot take the machine's memory; inputs with literals
// that large are skipped, since only the process-level limit of `p2prepl
// run` (--max-memory, tested in TestMemoryLimit) can stop them.
func FuzzScript(f *testing.F) {
	for _, file := range seedScripts(f) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	fuzzing := flagSet("test.fuzz") || flagSet("test.fuzzworker")
	f.Fuzz(func(t *testing.T, src []byte) {
		if fuzzing {
			limitAddressSpace(t)
		}
		if hugeLiteral.Match(src) {
			t.Skip("a literal of 10^7 or more")
		}
		runFuzzInput(t, src)
	})
}

// hugeLiteral matches an integer of 8 digits or more, a float with an
// exponent of 7 or more, or a shift (1 << 40).
var hugeLiteral = regexp.MustCompile(`[0-9]{8}|[0-9.][eE]\+?0*([7-9]|[1-9][0-9])|<<`)

func runFuzzInput(t *testing.T, src []byte) {
	env := NewEnv(Options{
		OutDir:    t.TempDir(),
		MaxSteps:  fuzzSteps,
		MaxEvents: fuzzEvents,
		Stdout:    io.Discard,
	})
	env.SetStdlib(os.DirFS("../stdlib"))
	defer env.Close()
	thread := env.NewThread("fuzz")
	starlarktest.SetReporter(thread, ignoreReports{})
	load := thread.Load
	thread.Load = func(th *starlark.Thread, module string) (starlark.StringDict, error) {
		if module == "assert.star" { // the test scripts' assertions
			return starlarktest.LoadAssertModule()
		}
		return load(th, module)
	}
	done := make(chan error, 1)
	go func() {
		_, err := env.ExecFile(thread, "fuzz.star", src)
		done <- err
	}()
	var err error
	select {
	case err = <-done:
	case <-time.After(fuzzWall):
		env.Interrupt()
		select {
		case err = <-done:
		case <-time.After(fuzzInterrupt):
			t.Fatalf("the script ignored an interruption: still running %v after it\n%s", fuzzInterrupt, src)
		}
	}
	var ie *InternalError
	if errors.As(err, &ie) {
		t.Fatalf("internal error:\n%s\nGo stack:\n%s\nscript:\n%s", FormatError(err), ie.Stack, src)
	}
}

// seedScripts lists every .star file of the repository.
func seedScripts(tb testing.TB) []string {
	var files []string
	err := filepath.WalkDir("..", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if !d.IsDir() && filepath.Ext(p) == ".star" {
			files = append(files, p)
		}
		return nil
	})
	if err != nil || len(files) == 0 {
		tb.Fatalf("no seed scripts: %v", err)
	}
	sort.Strings(files)
	return files
}

// flagSet reports whether a testing flag (test.fuzz) has a value.
func flagSet(name string) bool {
	f := flag.Lookup(name)
	return f != nil && f.Value.String() != "" && f.Value.String() != "false"
}

var asOnce sync.Once

// limitAddressSpace caps the fuzz worker's address space at what it uses
// now plus 3 GB.
func limitAddressSpace(t *testing.T) {
	asOnce.Do(func() {
		vm, err := vmSize()
		if err != nil {
			t.Logf("not limiting the address space: %v", err)
			return
		}
		lim := vm + 3<<30
		if err := unix.Setrlimit(unix.RLIMIT_AS, &unix.Rlimit{Cur: lim, Max: lim}); err != nil {
			t.Logf("not limiting the address space: %v", err)
		}
	})
}

// vmSize is the process's address space in bytes (VmSize in /proc).
func vmSize() (uint64, error) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	var kb uint64
	for _, line := range regexp.MustCompile(`(?m)^VmSize:\s+(\d+) kB`).FindAllSubmatch(data, 1) {
		fmt.Sscan(string(line[1]), &kb)
	}
	if kb == 0 {
		return 0, errors.New("no VmSize in /proc/self/status")
	}
	return kb << 10, nil
}

// ignoreReports takes assert failures: an assertion failing is an
// ordinary outcome of a mutated script.
type ignoreReports struct{}

func (ignoreReports) Error(...any) {}
