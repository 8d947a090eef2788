// Package scenario builds the benchmark scenarios of the project's
// SCENARIOS.md with the built-in Go services, so that tests, benchmarks and
// commands run one and the same definition:
//
//   - S1 "gossip": N peers (ids 1..N) on a random regular graph of degree 8,
//     one client (id N+1) connected to 5 random peers; two regions with a
//     round-trip latency of norm(2, 0.5) ms within a region and norm(12, 2)
//     ms across; every bandwidth drawn from norm(50, 10) Mbps. Peers run a
//     connection manager and push gossip (fanout 3, never to the client);
//     the client runs a connection manager and a producer (5 messages/s
//     from t = 1000 ms, fanout 5, TTL 4).
//   - S2 "pull_gossip_crash": as S1, but peers run a connection manager,
//     pull gossip (fanout 3, a round every 500 ms, the first after
//     |norm(200, 100)| ms) and random downtime (first failure after
//     |norm(1000, 70)| ms, down |norm(400, 150)| ms, up |norm(600, 200)| ms).
//
// Both are meant to run for Until simulated ms.
package scenario

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/p2prepl/p2prepl/engine"
	"github.com/p2prepl/p2prepl/engine/dist"
	"github.com/p2prepl/p2prepl/engine/services"
	"github.com/p2prepl/p2prepl/engine/topology"
)

// Until is the simulated time, in ms, both scenarios run for.
const Until = 10000.0

// Peer types of the scenarios.
const (
	PeerType   = "peer"
	ClientType = "client"
)

// Degree is the degree of the peers' random regular graph, and
// ClientLinks the number of peers the client connects to.
const (
	Degree      = 8
	ClientLinks = 5
)

// MinBandwidth is the floor put under a bandwidth draw (after taking its
// absolute value), so that no peer gets a zero or absurdly slow link.
const MinBandwidth = 1 * engine.Mbps

// Network returns the scenarios' two-region network ("r1", "r2"): round
// trip norm(2, 0.5) ms within a region, norm(12, 2) ms across.
func Network() (*engine.Network, error) {
	net, err := engine.NewNetwork([]string{"r1", "r2"})
	if err != nil {
		return nil, err
	}
	local, err := dist.Norm(2, 0.5)
	if err != nil {
		return nil, err
	}
	across, err := dist.Norm(12, 2)
	if err != nil {
		return nil, err
	}
	for _, l := range []struct {
		a, b string
		d    dist.Dist
	}{{"r1", "r1", local}, {"r2", "r2", local}, {"r1", "r2", across}} {
		if err := net.SetLatency(l.a, l.b, l.d); err != nil {
			return nil, err
		}
	}
	return net, net.Check()
}

// S1 builds scenario S1 with n peers and the given seed. It returns the
// simulation, at time 0 with nothing run yet, and the client's producer.
func S1(n int, seed uint64) (*engine.Sim, *services.Producer, error) {
	return build(n, seed, func() []engine.Service {
		g := services.NewPushGossip()
		g.Fanout = 3
		g.ExceptType = ClientType
		return []engine.Service{services.NewConnManager(), g}
	})
}

// S2 builds scenario S2 with n peers and the given seed, like S1.
func S2(n int, seed uint64) (*engine.Sim, *services.Producer, error) {
	return build(n, seed, func() []engine.Service {
		g := services.NewPullGossip()
		g.PullFanout = 3
		g.RoundTime = 500
		g.ExceptType = ClientType
		return []engine.Service{services.NewConnManager(), g, services.NewRandomDowntime()}
	})
}

// build makes the shared part of both scenarios; peerServices gives each
// peer (not the client) its own service instances.
func build(n int, seed uint64, peerServices func() []engine.Service) (*engine.Sim, *services.Producer, error) {
	if n <= Degree {
		return nil, nil, fmt.Errorf("scenario: need more than %d peers (got %d)", Degree, n)
	}
	net, err := Network()
	if err != nil {
		return nil, nil, err
	}
	s := engine.New(engine.Config{Seed: seed, Network: net})
	// The graph and the peers' parameters come from their own streams, so
	// that they do not depend on each other or on the run's draws.
	topo := s.Stream("scenario/topology")
	g, err := topology.RandomRegular(n, Degree, topo)
	if err != nil {
		return nil, nil, err
	}
	g, clients, err := topology.AttachClients(g, 1, ClientLinks, topo)
	if err != nil {
		return nil, nil, err
	}
	client := clients[0]
	bw, err := dist.Norm(50, 10)
	if err != nil {
		return nil, nil, err
	}
	params := s.Stream("scenario/peers")
	regions := net.Regions()
	draw := func(r *rand.Rand) float64 {
		return math.Max(math.Abs(bw.Sample(r))*engine.Mbps, MinBandwidth)
	}
	producer := services.NewProducer()
	producer.Rate, producer.InitDelay, producer.Fanout, producer.TTL = 5, 1000, 5, 4
	_, err = s.AddGraph(g, func(id int) (engine.PeerSpec, error) {
		spec := engine.PeerSpec{
			Type:     PeerType,
			Region:   regions[params.IntN(len(regions))],
			Upload:   draw(params),
			Download: draw(params),
		}
		if id == client {
			spec.Type = ClientType
			spec.Services = []engine.Service{services.NewConnManager(), producer}
		} else {
			spec.Services = peerServices()
		}
		return spec, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return s, producer, nil
}

// Coverage is the mean, over the messages the producer created before
// time before, of the fraction of the n peers (ids 1..n; the client is not
// counted) that saw the message. Messages created in the last moments of a
// run have not had time to spread, hence the cut-off. It is NaN when no
// message qualifies.
func Coverage(s *engine.Sim, n int, before float64) float64 {
	sum, msgs := 0.0, 0
	for _, id := range s.MessageIDs() {
		vs := s.Versions(id)
		if len(vs) == 0 || vs[0].Created >= before {
			continue
		}
		seen := 0
		for _, f := range s.FirstSeen(id) {
			if f.Peer >= 1 && f.Peer <= n {
				seen++
			}
		}
		sum += float64(seen) / float64(n)
		msgs++
	}
	if msgs == 0 {
		return math.NaN()
	}
	return sum / float64(msgs)
}
