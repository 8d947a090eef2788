package runner

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/p2prepl/p2prepl/runner/store"
)

// Sweep is a grid of parameters times seeds, run on a Runner into a
// results store.
type Sweep struct {
	Script *Script
	Axes   []Axis
	Seeds  []uint64
	Shard  Shard
	Runner Runner
	// Store is the results file ("" keeps the results in memory only).
	Store string
	// Resume skips the runs the store holds already with a final status
	// (ok or error) for the same script hash, parameters and seed. Without
	// it, a store that holds any run of this sweep is refused.
	Resume bool
	// Command and Version describe the sweep in the store.
	Command string
	Version string
	// Progress, if set, is called after each run, one call at a time.
	Progress func(Progress)
}

// Progress is the state of a sweep after a run.
type Progress struct {
	Done, Total int // runs finished in this invocation, and to do
	Failed      int // of Done: error or timeout
	Skipped     int // runs the store had already (--resume)
	Elapsed     time.Duration
	Last        *Result
}

// Summary is what a sweep did.
type Summary struct {
	Total       int // cells of this sweep (or shard)
	Skipped     int // found in the store already
	Done        int // run now, whatever their status
	Failed      int // error or timeout
	Interrupted int // in flight when the sweep was stopped
	NotStarted  int // never started because the sweep was stopped
	Unused      []string
	// Results are the runs done now, in cell order (grid order, seed
	// fastest).
	Results []Result
	SweepID int64
}

// OK reports whether every cell has now run successfully.
func (s *Summary) OK() bool {
	return s.Failed == 0 && s.Interrupted == 0 && s.NotStarted == 0
}

// Cells returns the cells of the sweep (its shard's, if sharded).
func (sw *Sweep) Cells() ([]Cell, error) {
	seeds := sw.Seeds
	if len(seeds) == 0 {
		seeds = []uint64{1}
	}
	cells, err := Expand(sw.Axes, seeds)
	if err != nil {
		return nil, err
	}
	return sw.Shard.Of(cells), nil
}

// Run executes the sweep. Cancelling ctx stops it: runs in flight are
// stored as interrupted, the store stays consistent, and running the same
// sweep with Resume finishes it. The error is about the sweep itself
// (bad store, bad grid); failed runs are in the summary.
func (sw *Sweep) Run(ctx context.Context) (*Summary, error) {
	cells, err := sw.Cells()
	if err != nil {
		return nil, err
	}
	sum := &Summary{Total: len(cells)}
	var st *store.Store
	var w *store.Writer
	todo := cells
	if sw.Store != "" {
		st, err = store.Open(sw.Store)
		if err != nil {
			return nil, err
		}
		defer st.Close()
		have, err := st.Done()
		if err != nil {
			return nil, err
		}
		todo = todo[:0:0]
		clash := 0
		for _, c := range cells {
			k := store.Key{ScriptSHA256: sw.Script.SHA256, Params: store.ParamsJSON(c.Params), Seed: c.Seed}
			status, ok := have[k]
			switch {
			case !ok:
				todo = append(todo, c)
			case !sw.Resume:
				clash++
			case status.Finished():
				sum.Skipped++
			default:
				todo = append(todo, c) // interrupted or timed out: again
			}
		}
		if clash > 0 {
			return nil, fmt.Errorf("%s already holds %d of this sweep's runs (same script, parameters and seed): add --resume to skip the finished ones and run the rest, or give another --store", sw.Store, clash)
		}
		sum.SweepID, err = st.AddSweep(store.Sweep{
			Script: sw.Script.Path, ScriptSHA256: sw.Script.SHA256,
			Command: sw.Command, Version: sw.Version, Shard: sw.Shard.String(),
			MaxSteps: sw.Runner.MaxSteps, MaxEvents: sw.Runner.MaxEvents, Timeout: sw.Runner.Timeout,
		})
		if err != nil {
			return nil, err
		}
		var names []string
		decl := map[string][]string{}
		for _, a := range sw.Axes {
			names = append(names, a.Name)
			decl[a.Name] = a.Values
		}
		if err := st.DeclareParams(names, decl); err != nil {
			return nil, err
		}
		if w, err = st.Writer(); err != nil {
			return nil, err
		}
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	tasks := make([]Task, len(todo))
	for i := range todo {
		tasks[i] = Task{Script: sw.Script, Cell: todo[i]}
	}
	order := map[string]int{}
	for i, t := range tasks {
		order[cellKey(t.Cell)] = i
	}
	start := time.Now()
	var writeErr error
	sw.Runner.Run(ctx, tasks, func(r Result) {
		switch r.Status {
		case store.Error, store.Timeout:
			sum.Failed++
		case store.Interrupted:
			sum.Interrupted++
		}
		sum.Done++
		if sum.Unused == nil && r.Status == store.OK {
			sum.Unused = append([]string{}, r.Unused...)
		}
		sum.Results = append(sum.Results, r)
		if w != nil {
			w.Put(r.Run(sum.SweepID))
			if err := w.Failed(); err != nil && writeErr == nil {
				writeErr = err
				cancel() // the store cannot take more: stop
			}
		}
		if sw.Progress != nil {
			rr := r
			sw.Progress(Progress{Done: sum.Done, Total: len(tasks), Failed: sum.Failed, Skipped: sum.Skipped,
				Elapsed: time.Since(start), Last: &rr})
		}
	})
	sum.NotStarted = len(tasks) - sum.Done
	sort.Slice(sum.Results, func(i, j int) bool {
		return order[cellKey(sum.Results[i].Cell)] < order[cellKey(sum.Results[j].Cell)]
	})
	if w != nil {
		if err := w.Close(); err != nil && writeErr == nil {
			writeErr = err
		}
	}
	if writeErr != nil {
		return sum, writeErr
	}
	return sum, nil
}

func cellKey(c Cell) string {
	return fmt.Sprintf("%s/%d", store.ParamsJSON(c.Params), c.Seed)
}
