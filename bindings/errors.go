package bindings

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/p2prepl/p2prepl/bindings/api"
	"github.com/p2prepl/p2prepl/engine"
)

// InternalError is a Go panic recovered at the boundary between Starlark
// and Go: a bug in p2prepl, not in the script (see api.InternalError).
type InternalError = api.InternalError

// recoverInternal turns a panic into an *InternalError in *err; use it as
// `defer recoverInternal(thread, &err)` at every Starlark->Go boundary.
func recoverInternal(thread *starlark.Thread, err *error) { api.Recover(thread, err) }

// FormatError renders any error from ExecFile, ExecREPLChunk or a
// Starlark call as one clear message:
//
//	script.star:12:5: key "balance" not in dict
//	  at t=1234 ms, peer 7: transfer handling "tx" from peer 3
//	Traceback (most recent call last):
//	  script.star:30:8: in <toplevel>
//	  script.star:12:5: in _on_tx
//
// The first line names the innermost script position and what went wrong;
// a run error adds the simulated time and peer; the traceback follows.
// Syntax and resolve errors list each problem with its position. A
// recovered Go panic reads "internal error ..." with the script location.
func FormatError(err error) string {
	if err == nil {
		return ""
	}
	var sb strings.Builder
	// Static errors.
	var se syntax.Error
	if errors.As(err, &se) {
		return fmt.Sprintf("%s: syntax error: %s", se.Pos, se.Msg)
	}
	var rl resolve.ErrorList
	if errors.As(err, &rl) {
		for i, e := range rl {
			if i > 0 {
				sb.WriteByte('\n')
			}
			fmt.Fprintf(&sb, "%s: %s", e.Pos, e.Msg)
		}
		return sb.String()
	}

	// The innermost EvalError has the deepest stack: a handler's stack
	// includes the sim.run call that ran it. A module that failed to load
	// ran on a thread of its own: its stack follows the loading file's.
	var inner *starlark.EvalError
	var stack starlark.CallStack
	for x := err; x != nil; x = errors.Unwrap(x) {
		if ee, ok := x.(*starlark.EvalError); ok {
			inner = ee
			if hasPrefix(ee.CallStack, stack) {
				stack = ee.CallStack
			} else {
				stack = append(append(starlark.CallStack(nil), stack...), ee.CallStack...)
			}
		}
	}
	var ie *InternalError
	isInternal := errors.As(err, &ie)
	var re *engine.RunError
	isRun := errors.As(err, &re)

	what := err.Error()
	if inner != nil {
		what = inner.Msg
		if cause := errors.Unwrap(inner); cause != nil {
			what = cause.Error()
			if re, ok := cause.(*engine.RunError); ok {
				// Said once: runContext adds when and where.
				what = re.Err.Error()
			}
		}
	}
	if isInternal {
		what = ie.Error()
	}
	// Starlark prefixes a cancellation's reason; the memory limit's says
	// what happened by itself.
	if r, ok := strings.CutPrefix(what, "Starlark computation cancelled: "); ok && strings.HasPrefix(r, "memory limit of ") {
		what = r
	}
	pos := ""
	if inner != nil {
		pos = innermostPos(inner.CallStack)
	}
	if pos != "" {
		sb.WriteString(pos)
		sb.WriteString(": ")
	}
	sb.WriteString(what)
	if isRun {
		ctx := runContext(re, what)
		sb.WriteString("\n  ")
		sb.WriteString(ctx)
	}
	if len(stack) > 0 {
		sb.WriteByte('\n')
		sb.WriteString(strings.TrimRight(stack.String(), "\n"))
	} else if isInternal && ie.Where != "" {
		sb.WriteByte('\n')
		sb.WriteString(strings.TrimRight(ie.Where, "\n"))
	}
	return sb.String()
}

func hasPrefix(s, prefix starlark.CallStack) bool {
	if len(prefix) > len(s) {
		return false
	}
	for i, f := range prefix {
		if s[i].Name != f.Name || s[i].Pos != f.Pos {
			return false
		}
	}
	return true
}

// innermostPos is the position of the innermost Starlark (not builtin)
// frame of a call stack.
func innermostPos(stack starlark.CallStack) string {
	for i := len(stack) - 1; i >= 0; i-- {
		if fn := stack[i].Pos.Filename(); fn != "<builtin>" && fn != "" {
			return stack[i].Pos.String()
		}
	}
	return ""
}

// runContext renders "at t=... ms, peer N: <service> handling ..." without
// repeating the error message itself.
func runContext(re *engine.RunError, what string) string {
	var head string
	if re.Peer < 0 {
		head = fmt.Sprintf("at t=%s ms", fmtTime(re.T))
	} else {
		head = fmt.Sprintf("at t=%s ms, peer %d", fmtTime(re.T), re.Peer)
	}
	detail := re.Err.Error()
	detail = strings.TrimSuffix(detail, what)
	detail = strings.TrimSuffix(strings.TrimSpace(detail), ":")
	if detail == "" {
		return head
	}
	return head + ": " + detail
}

// fmtFloat formats a time or quantity compactly: 1234, 1234.5, 0.001.
func fmtFloat(x float64) string {
	return strconv.FormatFloat(x, 'g', -1, 64)
}

// fmtValue formats a number a script gave as Starlark writes it: inf,
// nan, 1000000 (not 1e+06) up to 1e15, 1e+20 beyond.
func fmtValue(x float64) string {
	switch {
	case math.IsInf(x, 1):
		return "inf"
	case math.IsInf(x, -1):
		return "-inf"
	case math.IsNaN(x):
		return "nan"
	case x == math.Trunc(x) && math.Abs(x) < 1e15:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}

// fmtTime formats a simulated time in ms to at most 3 decimals: 1234,
// 108.898.
func fmtTime(t float64) string {
	return strconv.FormatFloat(math.Round(t*1000)/1000, 'f', -1, 64)
}
