// Package bindings exposes the p2prepl engine to Starlark: the builtins a
// script sees, the values they return, the @stdlib loader and the error
// formatting that turns every failure into one clear message.
//
// # Go API
//
// An Env holds the settings of one session (seed, --set parameters, output
// directory, limits) and the state its threads share. cmd/p2prepl makes one
// per process:
//
//	env := bindings.NewEnv(bindings.Options{Seed: 1, OutDir: ".", Stdout: os.Stdout})
//	env.SetStdlib(stdlib.FS)
//	thread := env.NewThread("main")
//	globals, err := env.ExecFile(thread, "gossip.star", nil)
//	if err != nil {
//		fmt.Fprintln(os.Stderr, bindings.FormatError(err))
//		os.Exit(1)
//	}
//
// The REPL feeds each input to ExecREPLChunk, shows progress with Running,
// stops a run on Ctrl-C with Interrupt (then Uncancel), and prints help
// with api.Doc, api.Lookup and api.Names.
//
// Dialect: every file and REPL chunk is parsed with FileOptions(): set(),
// while loops, top-level if/for/while, global reassignment and recursion
// are allowed, because scripts are user experiments, not hermetic build
// files.
//
// Concurrency: a Starlark thread and the simulations it drives run on one
// goroutine. Interrupt, Uncancel, Running and RunWall may be called from
// any goroutine.
//
// # Starlark API
//
// Each file declares the names it implements with package api: top-level
// builtins and modules with api.Register, each value type (simulation,
// peer, message, service instance, timer, dist, graph, network, table)
// with api.NewType — its attributes, methods and their doc strings, once.
// Those declarations serve Attr, AttrNames, help(), `p2prepl help NAME`,
// REPL completion and the README's generated table of builtins; read
// them there rather than a copy here.
//
// Two names differ from the design sketch because load is a Starlark
// keyword (x.load is a syntax error): topology.from_file(path) reads an
// edge list and sim.load_series() is the per-second load.
//
// # Semantics worth knowing
//
//   - Seeds: simulation(seed=None) uses --seed (default 1); an explicit
//     seed wins over --seed. random, dist sampling and peer set-up draw from
//     the simulation inside sim.run, else the one created last, else a
//     generator seeded from --seed. Random topologies without seed= use the
//     "topology" stream of the simulation created last (or of --seed).
//     Same script + seed = same output, bit for bit.
//   - Messages are immutable: message() freezes its data deeply (so the
//     caller's own list or dict freezes too); storage values are frozen
//     when stored, configuration values when a service is configured.
//     Peers, simulations and service instances are references and are
//     never frozen.
//   - Sending a received message forwards it (TTL - 1, hops + 1); a
//     received message is never gossiped back to its sender; forwarding
//     with msg.ttl == 0 is an error.
//   - Validation: validate(peer, msg) must return True or False; inside it
//     peer.busy(ms) charges simulated processing time (a number or a dist);
//     msg.first is not known yet during validation.
//   - Limits: --max-steps bounds the Starlark steps of each top-level
//     evaluation, handlers run by sim.run included; --max-events bounds the
//     events of each simulation. Both errors name the flag.
//   - Outputs (trace files, topology.save, tables, plots) go under the
//     output directory; paths escaping it are refused.
package bindings
