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
// with Doc, DocName, Names and AllNames.
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
// Top-level builtins (help(NAME) shows each one's documentation):
//
//	simulation(seed=None, network=None, strict_kinds=False, trace=None) -> simulation
//	network(regions, latency, loss=0.0) -> network
//	message(kind, data=None, id=None, size=None, ttl=-1) -> message
//	service(name, on_start=None, on_message={}, on_online=None, on_offline=None, defaults={}, doc="") -> service type
//	gossip(fanout=3, forward_duplicates=False, except_type="client", store=None, kind="gossip")
//	pull_gossip(fanout=3, round_time=500, first_round=dist.norm(200, 100), store=None, kind="gossip", except_type="client")
//	push_pull_gossip(fanout=3, pull_fanout=3, round_time=500, first_round=..., store=None, kind="gossip", except_type="client", forward_duplicates=False)
//	connection_manager(ping_interval=1000, max_silence=5000)
//	producer(rate=5, start=1000, fanout=5, ttl=4, size=250, store=None, kind="gossip", payload=None)
//	random_downtime(first=dist.norm(1000, 70), down=dist.norm(400, 150), up=dist.norm(600, 200))
//	scheduled_downtime(windows)
//	param(name, default), help(x), sum(iterable, start=0)
//	bps, kbps, Mbps, Gbps (bits per second); ms = 1, s = 1000 (simulated ms)
//	json, math, time (time.now() is simulated time), struct
//
// Modules:
//
//	dist: norm(loc=0, scale=1), lognorm(s, loc, scale), gamma(a, loc, scale),
//	      expon(loc, scale), uniform(loc, scale), pareto(b, loc, scale),
//	      weibull_min(c, loc, scale) (alias weibull), constant(v),
//	      sample(values, weights=None), scipy(name, params), sum(*dists).
//	      A dist has .sample(), .sample(n), .mean, .var, .std; d1 + d2 sums,
//	      d + x / d - x shift, d * x / d / x scale; str(d) is its scipy form.
//	topology: erdos_renyi(n, p, seed=None), random_regular(n, d, seed=None),
//	      barabasi_albert(n, m, seed=None), watts_strogatz(n, k, beta, seed=None),
//	      complete(n), ring(n), star(n), from_edges(edges, nodes=[]),
//	      from_file(path), save(graph, path),
//	      attach_clients(graph, clients, k, seed=None) -> (graph, client_ids).
//	      A graph has .nodes, .edges, .n, .m, .neighbours(id), .has_edge(a, b),
//	      .degrees(), .connected(), .relabel(offset).
//	random: random(), uniform(a, b), randint(a, b), choice(seq), sample(seq, k),
//	      shuffle(list), normal(mu=0, sigma=1) (alias gauss), expovariate(lambd).
//
// A simulation has now, seed, peers, types, kinds, events, pending,
// network, counters, total and the methods add_peers, add_peer, peer,
// peers_of, connect, disconnect, run(until), step(), at(t, fn, *args),
// crash(peer, at=None), partition(a, b=None, start=None, end=None),
// set_loss(p, at=None, link=None), counter(kind), first_seen(id),
// seen_at(peer, id), coverage(id, type=None), message_ids(), versions(id),
// load_series(). A peer has id, type, region, online, neighbours, degree,
// upload, download, storage, stats, services, sim and the methods store,
// get, send, forward, gossip, broadcast, connect, disconnect, go_offline,
// go_online, busy, seen. A message has kind, data, id, size, ttl, version,
// origin, created and, when received, sender, receiver, hops, first,
// arrived. Inside a Starlark service, self has peer, config, sim, now,
// name, after(ms, fn, *args), every(ms, fn, *args, start=ms), cancel(timer)
// and whatever attributes the service sets.
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
