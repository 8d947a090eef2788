package explore

import (
	"fmt"
	"sort"
	"time"

	"github.com/p2prepl/p2prepl/bindings"
	"github.com/p2prepl/p2prepl/runner"
	"github.com/p2prepl/p2prepl/runner/store"
)

// Results writes an exploration's runs into a results store, the one
// sweeps write (p2prepl results reads it): one sweep record for the
// exploration, one run per schedule tried, committed as each run ends.
// A run's parameters are the script's plus faults.seed (its schedule),
// and faults.budget and faults.strategy when the command line gave them,
// so that the store's reproduce line (p2prepl results --failed) replays
// the run alone; its row says how it ended.
type Results struct {
	st      *store.Store
	w       *store.Writer
	sweepID int64
	c       *Config
	extra   []store.Param
	sends   int // the sends counted in the unperturbed run
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
	var extra []store.Param
	if c.Budget != nil {
		extra = append(extra, store.Param{Name: bindings.ParamFaultsBudget, Value: bindings.FormatBudget(c.Budget)})
	}
	if c.Strategy != "" {
		extra = append(extra, store.Param{Name: bindings.ParamFaultsStrategy, Value: c.Strategy})
	}
	return &Results{st: st, w: w, sweepID: id, c: c, extra: extra}, nil
}

// put stores one outcome.
func (r *Results) put(o *Outcome) {
	params := make([]store.Param, 0, len(o.Params)+2)
	for k, v := range o.Params {
		params = append(params, store.Param{Name: k, Value: v})
	}
	sort.Slice(params, func(i, j int) bool { return params[i].Name < params[j].Name })
	if o.Run > 0 {
		params = append(params, store.Param{Name: bindings.ParamFaultsSeed, Value: fmt.Sprint(o.FaultSeed)},
			store.Param{Name: bindings.ParamFaultsSends, Value: fmt.Sprint(r.sends)})
		params = append(params, r.extra...)
	} else {
		params = append(params, store.Param{Name: bindings.ParamFaultsBudget, Value: "none"})
	}
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
