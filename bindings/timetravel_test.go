package bindings

import (
	"fmt"
	"io"
	"testing"

	"go.starlark.net/starlark"
)

// S1 (N = 1,000; 200 with -short) with push gossip written in Starlark
// whose instances keep a dict of the ids they saw and a list of arrival
// times: run to 10 s with sim.digest() every simulated second, restore the
// checkpoint taken at 3 s, run to 10 s again: the same digests.
func TestTimeTravelS1Starlark(t *testing.T) {
	n := 1000
	if testing.Short() {
		n = 200
	}
	src := fmt.Sprintf(`
def _on_gossip(self, msg):
    first = msg.id not in self.seen
    self.seen[msg.id] = self.seen.get(msg.id, 0) + 1
    self.arrivals.append(self.now)
    if first and msg.ttl != 0:
        self.peer.gossip(msg, 3, except_type = "client")

def _start(self):
    self.seen = {}
    self.arrivals = []

star_gossip = service("StarGossip", on_start = _start, on_message = {"gossip": _on_gossip})
net = network(regions = ["r1", "r2"],
              latency = {("r1", "r1"): dist.norm(2, 0.5), ("r2", "r2"): dist.norm(2, 0.5), ("r1", "r2"): dist.norm(12, 2)})
sim = simulation(seed = 42, network = net)
bandwidth = dist.norm(50, 10) * Mbps
base = topology.random_regular(%d, 8)
g, clients = topology.attach_clients(base, 1, 5)
sim.add_peers(g, nodes = base.nodes, type = "peer", region = dist.sample(["r1", "r2"]),
              upload = bandwidth, download = bandwidth, services = [connection_manager(), star_gossip()])
sim.add_peers(g, nodes = clients, type = "client", region = dist.sample(["r1", "r2"]),
              upload = bandwidth, download = bandwidth,
              services = [connection_manager(), producer(rate = 5, start = 1000, fanout = 5, ttl = 4)])
want = []
for sec in range(1, 11):
    sim.run(until = sec * s)
    want.append(sim.digest())
    if sec == 3:
        cp = sim.checkpoint()
delivered = sim.total.delivered
for round in range(2):
    sim.restore(cp)
    if sim.digest() != want[2]:
        fail("round %%d: the restored state differs from the state at 3 s" %% round)
    for sec in range(4, 11):
        sim.run(until = sec * s)
        if sim.digest() != want[sec - 1]:
            fail("round %%d: after restoring to 3 s, the state at %%d s differs" %% (round, sec))
if sim.total.delivered != delivered or delivered < 1000:
    fail("delivered %%d then %%d" %% (delivered, sim.total.delivered))
`, n)
	e := NewEnv(Options{Stdout: io.Discard})
	th := e.NewThread("s1")
	g, err := e.ExecFile(th, "s1_timetravel.star", src)
	if err != nil {
		t.Fatal(FormatError(err))
	}
	if d := g["delivered"].(starlark.Int); d.Sign() <= 0 {
		t.Fatal("nothing delivered")
	}
}
