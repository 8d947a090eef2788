package explore

import (
	"sort"
	"time"

	"github.com/p2prepl/p2prepl/bindings"
	"github.com/p2prepl/p2prepl/runner"
	"github.com/p2prepl/p2prepl/runner/store"
)

// Results writes an exploration's runs into a results store, the one
// sweeps write (p2prepl results reads it): one sweep record for the
// exploration, one run per schedule tried, committed as each run ends.
// A sampled run is stored by the sweep runner with the script's
// parameters plus faults.seed, faults.sends and, when the command line
// gave them, faults.budget and faults.strategy (Config.SampledParams), so
// that the store's reproduce line (p2prepl results --failed) replays it
// alone; the unperturbed run has faults.budget=none.
type Results struct {
	st      *store.Store
	w       *store.Writer
	sweepID int64
	c       *Config
}

// OpenResults opens (or creates) the store at path and records the
// exploration in it.
func OpenResults(path string, c *Config, command, version string) (*Results, error) {
	st, err := store.Open(path)
	if err != nil {
		return nil, err
	}
	id, err := st.AddSweep(store.Sweep{
		Script: c.Script.Path, ScriptSHA256: c.Script.SHA256, Command: command, Version: version,
		Started: time.Now(), MaxSteps: c.MaxSteps, MaxEvents: c.MaxEvents, Timeout: c.Timeout,
	})
	if err != nil {
		st.Close()
		return nil, err
	}
	w, err := st.Writer()
	if err != nil {
		st.Close()
		return nil, err
	}
	return &Results{st: st, w: w, sweepID: id, c: c}, nil
}

// put stores one outcome.
// putPlain stores the unperturbed run (the sampled ones go through the
// runner: putResult), with faults.budget=none, which reproduces it alone.
func (r *Results) putPlain(o *Outcome) {
	params := make([]store.Param, 0, len(o.Params)+1)
	for k, v := range o.Params {
		params = append(params, store.Param{Name: k, Value: v})
	}
	params = append(params, store.Param{Name: bindings.ParamFaultsBudget, Value: "none"})
	sort.Slice(params, func(i, j int) bool { return params[i].Name < params[j].Name })
	status := store.OK
	switch o.Status {
	case Violation, Failed:
		status = store.Error
	case Interrupted:
		status = store.Interrupted
	}
	seed := r.c.Seed
	if !r.c.SeedSet {
		seed = 1
	}
	r.w.Put(&store.Run{
		SweepID: r.sweepID, ScriptSHA256: r.c.Script.SHA256, Params: params, Seed: seed,
		Status: status, Err: o.Err, Wall: o.Wall.Seconds(), Events: o.Events, Delivered: o.Delivered,
		Finished: time.Now(),
		Rows: []store.Row{{
			{Name: "schedule", Value: int64(o.Run)},
			{Name: "outcome", Value: string(o.Status)},
			{Name: "property", Value: o.Property},
			{Name: "perturbations", Value: int64(o.Count)},
		}},
	})
}

// putResult stores a run done by the sweep runner, as a sweep stores it.
func (r *Results) putResult(res *runner.Result) {
	r.w.Put(res.Run(r.sweepID))
}

// Close flushes the runs and closes the store.
func (r *Results) Close() error {
	err := r.w.Close()
	if cerr := r.st.Close(); err == nil {
		err = cerr
	}
	return err
}
