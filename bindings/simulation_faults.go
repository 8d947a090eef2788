package bindings

import (
	"fmt"
	"math"

	"go.starlark.net/starlark"
)

func simCrash(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	var pv starlark.Value
	var at starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "peer", &pv, "at?", &at); err != nil {
		return nil, err
	}
	p, err := s.peerArg(b.Name(), "peer", pv)
	if err != nil {
		return nil, err
	}
	if err := s.actsFor(b.Name(), p); err != nil {
		return nil, err
	}
	if at == starlark.None {
		p.Crash()
		return starlark.None, nil
	}
	t, err := s.timeArg("sim.crash", "at", at)
	if err != nil {
		return nil, err
	}
	if err := s.sim.Schedule(t, func() error { p.Crash(); return nil }); err != nil {
		return nil, fmt.Errorf("sim.crash: %w", err)
	}
	return starlark.None, nil
}

func (s *Simulation) group(fn, param string, v starlark.Value) ([]int, error) {
	xs, err := iterate(fn, param, v)
	if err != nil {
		return nil, err
	}
	ids := make([]int, len(xs))
	for i, x := range xs {
		p, err := s.peerArg(fn, param, x)
		if err != nil {
			return nil, err
		}
		ids[i] = p.ID()
	}
	return ids, nil
}

func simPartition(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	var av starlark.Value
	var bv, startV, endV starlark.Value = starlark.None, starlark.None, starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "a", &av, "b?", &bv, "start?", &startV, "end?", &endV); err != nil {
		return nil, err
	}
	if err := s.actsOnAll(b.Name()); err != nil {
		return nil, err
	}
	ga, err := s.group(b.Name(), "a", av)
	if err != nil {
		return nil, err
	}
	var gb []int
	if bv != starlark.None {
		if gb, err = s.group(b.Name(), "b", bv); err != nil {
			return nil, err
		}
		if len(gb) == 0 {
			return nil, fmt.Errorf("sim.partition: group b is empty (leave it out to mean every other peer)")
		}
	}
	start, end := s.sim.Now(), math.Inf(1)
	if startV != starlark.None {
		if start, err = floatArg("sim.partition", "start", startV); err != nil {
			return nil, err
		}
	}
	if endV != starlark.None {
		if end, err = floatArg("sim.partition", "end", endV); err != nil {
			return nil, err
		}
	}
	if err := s.sim.Partition(ga, gb, start, end); err != nil {
		return nil, fmt.Errorf("sim.%w", err)
	}
	return starlark.None, nil
}

func simSetLoss(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	var p num
	var at, link starlark.Value = starlark.None, starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "p", &p, "at?", &at, "link?", &link); err != nil {
		return nil, err
	}
	if err := s.actsOnAll(b.Name()); err != nil {
		return nil, err
	}
	prob := float64(p)
	if math.IsNaN(prob) || prob < 0 || prob > 1 {
		return nil, fmt.Errorf("sim.set_loss: p must be a probability in [0, 1] (got %s)", fmtFloat(prob))
	}
	var apply func() error
	if link != starlark.None {
		ends, err := iterate(b.Name(), "link", link)
		if err != nil || len(ends) != 2 {
			return nil, fmt.Errorf("sim.set_loss: link must be a pair of peers (a, b)")
		}
		pa, err := s.peerArg(b.Name(), "link", ends[0])
		if err != nil {
			return nil, err
		}
		pb, err := s.peerArg(b.Name(), "link", ends[1])
		if err != nil {
			return nil, err
		}
		apply = func() error { return s.sim.SetLinkLoss(pa.ID(), pb.ID(), prob) }
	} else {
		apply = func() error { return s.sim.SetLoss(prob) }
	}
	if at == starlark.None {
		if err := apply(); err != nil {
			return nil, fmt.Errorf("sim.set_loss: %w", err)
		}
		return starlark.None, nil
	}
	t, err := s.timeArg("sim.set_loss", "at", at)
	if err != nil {
		return nil, err
	}
	if err := s.sim.Schedule(t, apply); err != nil {
		return nil, fmt.Errorf("sim.set_loss: %w", err)
	}
	return starlark.None, nil
}
