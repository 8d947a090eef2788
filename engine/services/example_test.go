package services_test

import (
	"fmt"
	"strconv"

	"github.com/p2prepl/p2prepl/engine"
	"github.com/p2prepl/p2prepl/engine/dist"
	"github.com/p2prepl/p2prepl/engine/services"
	"github.com/p2prepl/p2prepl/engine/topology"
)

// equivocator is the notebook's conflicting client, in Go: every 200 ms it
// sends one version of a transaction to the first half of its neighbours
// and a conflicting version, with the same id, to the other half.
type equivocator struct {
	engine.Base
	n int
}

func (e *equivocator) Name() string { return "equivocator" }
func (e *equivocator) Start(p *engine.Peer) error {
	_, err := p.After(e, 1000, 0)
	return err
}
func (e *equivocator) Timer(p *engine.Peer, _ int64) error {
	if e.n++; e.n > 5 {
		return nil
	}
	s := p.Sim()
	id := strconv.Itoa(p.ID()) + "_" + strconv.Itoa(e.n)
	a := s.NewMessage("gossip", id, p.ID(), "version A", 250, 4)
	b := s.NewMessage("gossip", id, p.ID(), "version B", 250, 4)
	for i := 0; i < p.Degree(); i++ {
		to, _ := p.Neighbour(i)
		m := a
		if i >= p.Degree()/2 {
			m = b
		}
		if err := p.Send(to, m); err != nil {
			return err
		}
	}
	_, err := p.After(e, 200, 0)
	return err
}

// A 25-peer network like the notebook's, from Go alone: pull gossip, an
// equivocating client, three peers crashed for a while; then who saw
// which version of each transaction, and when.
func Example_notebook() {
	net, _ := engine.NewNetwork([]string{"eu", "us"})
	near, _ := dist.Norm(2, 0.5)
	far, _ := dist.Norm(12, 2)
	net.SetLatency("eu", "eu", near)
	net.SetLatency("us", "us", near)
	net.SetLatency("eu", "us", far)
	sim := engine.New(engine.Config{Seed: 7, Network: net})

	g, _ := topology.ErdosRenyi(25, 0.4, sim.Stream("topology"))
	crashed := map[int]bool{3: true, 4: true, 5: true}
	sim.AddGraph(g, func(id int) (engine.PeerSpec, error) {
		svcs := []engine.Service{services.NewConnManager(), services.NewPullGossip()}
		if crashed[id] {
			down, _ := services.NewScheduledDowntime([]services.Window{{From: 900, Until: 3000}})
			svcs = append(svcs, down)
		}
		return engine.PeerSpec{Type: "peer", Region: []string{"eu", "us"}[id%2],
			Upload: 50 * engine.Mbps, Download: 50 * engine.Mbps, Services: svcs}, nil
	})
	client, _ := sim.AddPeer(engine.PeerSpec{ID: engine.NoPeer, Type: "client", Region: "eu",
		Services: []engine.Service{&equivocator{}}})
	for _, p := range []int{1, 2, 6, 7} {
		sim.Connect(client.ID(), p)
	}
	sim.Run(6000)

	for _, id := range sim.MessageIDs() {
		got := map[int]int{}
		lastCrashed := 0.0
		for _, f := range sim.FirstSeen(id) {
			got[f.Version]++
			if crashed[f.Peer] && f.T > lastCrashed {
				lastCrashed = f.T
			}
		}
		fmt.Printf("%s: %d peers hold A, %d hold B; crashed peers caught up by %v\n",
			id, got[0], got[1], lastCrashed >= 3000)
	}
	// Every peer ends with one version of each transaction (the two add up
	// to 25), the peers split between them, and the crashed peers learn of
	// transactions only after they return at t=3000 ms.

	// Output:
	// 26_1: 19 peers hold A, 6 hold B; crashed peers caught up by true
	// 26_2: 10 peers hold A, 15 hold B; crashed peers caught up by true
	// 26_3: 14 peers hold A, 11 hold B; crashed peers caught up by true
	// 26_4: 17 peers hold A, 8 hold B; crashed peers caught up by true
	// 26_5: 19 peers hold A, 6 hold B; crashed peers caught up by true
}
