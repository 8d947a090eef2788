package bindings

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"go.starlark.net/starlark"

	"github.com/p2prepl/p2prepl/engine"
)

// drive runs f (a Run or a Step) with the thread driving callbacks,
// registered for Interrupt and Running, and maps the engine's stop errors
// to messages that say what to do.
func (s *Simulation) drive(thread *starlark.Thread, fn string, until float64, f func() error) error {
	if s.running {
		return fmt.Errorf("%s: the simulation is already running (a handler cannot call sim.run or sim.step; schedule work with self.after or sim.at instead)", fn)
	}
	e := s.env
	s.running = true
	prevRun := e.inRun
	e.inRun = s
	defer s.enter(thread)()
	leave := e.enterRun(s.sim, until)
	defer func() {
		leave()
		e.inRun = prevRun
		s.running = false
	}()
	err := f()
	s.count()
	if ferr := s.flushTrace(); err == nil && ferr != nil {
		err = ferr
	}
	if err != nil {
		e.mu.Lock()
		cause := e.stopCause
		e.mu.Unlock()
		if cause != nil { // the memory watchdog stopped the run
			c := *cause
			c.Running, c.At, c.Pending, c.Sources = true, s.sim.Now(), s.sim.Pending(), s.sim.Sources(3)
			return &c
		}
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, engine.ErrInterrupted):
		return &InterruptedError{Fn: fn, At: s.sim.Now()}
	case IsInterruption(err): // Starlark code of a handler was cancelled mid-event
		return &InterruptedError{Fn: fn, At: s.sim.Now(), Midway: err}
	case errors.Is(err, engine.ErrPendingLimit):
		return &LimitError{Msg: err.Error() + " (raise the limit with --max-pending)"}
	case errors.Is(err, engine.ErrTimeStalled):
		return &LimitError{Msg: err.Error() + " (raise the limit with --max-stall)"}
	case errors.Is(err, engine.ErrEventLimit):
		return &LimitError{Msg: fmt.Sprintf("event limit reached: the simulation processed %d events, the limit, by t=%s ms (raise it with --max-events)", s.sim.Events(), fmtTime(s.sim.Now()))}
	}
	return err
}

// InterruptedError is a run stopped between two events by Env.Interrupt
// (Ctrl-C, --timeout). The simulation stays usable at At.
type InterruptedError struct {
	Fn string  // the builtin that was running: "sim.run", "sim.step"
	At float64 // the simulated time it stopped at, in ms
	// Midway is the handler error when the interruption stopped Starlark
	// code inside an event rather than between two events.
	Midway error
}

func (e *InterruptedError) Error() string {
	if e.Midway != nil {
		return fmt.Sprintf("%s: interrupted at t=%s ms inside a handler, which stopped midway (its service may hold half-updated state)", e.Fn, fmtTime(e.At))
	}
	return fmt.Sprintf("%s: interrupted at t=%s ms; the simulation is usable and sim.run(until = ...) carries on from there", e.Fn, fmtTime(e.At))
}

func (e *InterruptedError) Unwrap() error {
	if e.Midway != nil {
		return e.Midway
	}
	return engine.ErrInterrupted
}

// IsInterruption reports whether err is what Env.Interrupt causes: a run
// stopped between events (an *InterruptedError), or Starlark code
// cancelled in between.
func IsInterruption(err error) bool {
	var ie *InterruptedError
	if errors.As(err, &ie) {
		return true
	}
	for ; err != nil; err = errors.Unwrap(err) {
		if ee, ok := err.(*starlark.EvalError); ok && strings.HasSuffix(ee.Msg, "cancelled: "+interruptReason) {
			return true
		}
	}
	return false
}

// LimitError is a run stopped by a resource limit (events).
type LimitError struct{ Msg string }

func (e *LimitError) Error() string { return e.Msg }

func simRun(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	var untilV, eventV starlark.Value = starlark.None, starlark.None
	catch := false
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "until?", &untilV, "until_event?", &eventV, "catch?", &catch); err != nil {
		return nil, err
	}
	if untilV == starlark.None && eventV == starlark.None {
		return nil, fmt.Errorf("sim.run: say how far: sim.run(until = ms) or sim.run(until_event = n)")
	}
	until := math.Inf(1)
	if untilV != starlark.None {
		var err error
		if until, err = floatArg("sim.run", "until", untilV); err != nil {
			return nil, err
		}
		if math.IsInf(until, 0) {
			return nil, fmt.Errorf("sim.run: until must be a finite time in ms (got %s): services with timers never run out of events, so the run would not end; give the time to stop at (or an event number, until_event = n)", fmtValue(until))
		}
		if math.IsNaN(until) || until < s.sim.Now() {
			return nil, fmt.Errorf("sim.run: until=%s ms is before now (%s ms); the simulation cannot go back in time", fmtFloat(until), fmtFloat(s.sim.Now()))
		}
	}
	// caught is a handler's failure returned as a string (catch = True).
	caught := func(err error) (starlark.Value, error) {
		var re *engine.RunError
		if catch && errors.As(err, &re) && !IsInterruption(err) {
			return starlark.String(err.Error()), nil
		}
		return nil, err
	}
	if eventV != starlark.None {
		var n int64
		if err := starlark.AsInt(eventV, &n); err != nil || n < 0 {
			return nil, fmt.Errorf("sim.run: until_event must be an event number >= 0 (got %s)", short(eventV))
		}
		if uint64(n) < s.sim.Events() {
			return nil, fmt.Errorf("sim.run: until_event=%d is behind: %d events have been processed (sim.rewind goes back)", n, s.sim.Events())
		}
		err := s.drive(thread, "sim.run", until, func() error {
			if s.timeline != nil {
				if err := s.autoCheckpoint(); err != nil {
					return err
				}
			}
			_, err := s.sim.RunEvents(uint64(n), until)
			return err
		})
		if err != nil {
			return caught(err)
		}
		return starlark.None, nil
	}
	run := func() error { return s.sim.Run(until) }
	if s.timeline != nil {
		run = func() error { return s.runTimeline(until) }
	}
	if err := s.drive(thread, "sim.run", until, run); err != nil {
		return caught(err)
	}
	return starlark.None, nil
}

func simStep(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	var did bool
	err := s.drive(thread, "sim.step", s.sim.Now(), func() error {
		var err error
		did, err = s.sim.Step()
		return err
	})
	if err != nil {
		return nil, err
	}
	return starlark.Bool(did), nil
}

func (s *Simulation) timeArg(fn, param string, v starlark.Value) (float64, error) {
	t, err := floatArg(fn, param, v)
	if err != nil {
		return 0, err
	}
	if math.IsInf(t, 0) {
		return 0, fmt.Errorf("%s: %s must be a finite time in ms (got %s)", fn, param, fmtValue(t))
	}
	if math.IsNaN(t) || t < s.sim.Now() {
		return 0, fmt.Errorf("%s: %s=%s ms is before now (%s ms)", fn, param, fmtFloat(t), fmtFloat(s.sim.Now()))
	}
	return t, nil
}

func simAt(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	if len(kwargs) > 0 {
		return nil, fmt.Errorf("sim.at: unexpected keyword arguments (use sim.at(t, fn, *args))")
	}
	if len(args) < 2 {
		return nil, fmt.Errorf("sim.at: want sim.at(t, fn, *args) (got %d arguments)", len(args))
	}
	t, err := s.timeArg("sim.at", "t", args[0])
	if err != nil {
		return nil, err
	}
	fn, ok := args[1].(starlark.Callable)
	if !ok {
		return nil, fmt.Errorf("sim.at: fn must be a function (got %s)", args[1].Type())
	}
	rest := append(starlark.Tuple(nil), args[2:]...)
	if s.at == nil {
		s.at = map[uint64]atCall{}
	}
	s.nextAt++
	id := s.nextAt
	s.at[id] = atCall{fn, rest}
	// Scheduled by a peer's code, the call is that peer's (see actor.go):
	// it acts only for it, goes through its interceptor as its timers do,
	// and dies with it.
	in, actor := s.active, s.actor()
	err = s.sim.Schedule(t, func() error {
		delete(s.at, id)
		if actor != nil && actor.Crashed() {
			return nil
		}
		if in != nil && in.peer == actor {
			return in.call(fn, rest)
		}
		prev := s.acting
		s.acting = actor
		_, err := s.call(fn, rest)
		s.acting = prev
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sim.at: %w", err)
	}
	return starlark.None, nil
}
