// Command runscenario runs one benchmark scenario (S1 or S2 of the
// project's SCENARIOS.md) once with the built-in Go services and prints
// the figures SCENARIOS.md asks for: wall time of the build, of the run
// and of the whole process, peak memory, events, delivered messages,
// delivered messages per wall second and gossip coverage.
//
//	go run ./cmd/runscenario -scenario s1 -n 100000
//
// Peak memory is the process's peak resident set (VmHWM in
// /proc/self/status, Linux only).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/p2prepl/p2prepl/engine"
	"github.com/p2prepl/p2prepl/engine/scenario"
	"github.com/p2prepl/p2prepl/engine/services"
)

func main() {
	start := time.Now()
	name := flag.String("scenario", "s1", "s1 (gossip) or s2 (pull_gossip_crash)")
	n := flag.Int("n", 10000, "number of peers")
	seed := flag.Uint64("seed", 42, "seed")
	until := flag.Float64("until", scenario.Until, "simulated ms to run")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	flag.Parse()
	if err := run(start, *name, *n, *seed, *until, *cpuprofile); err != nil {
		fmt.Fprintln(os.Stderr, "runscenario:", err)
		os.Exit(1)
	}
}

func run(start time.Time, name string, n int, seed uint64, until float64, cpuprofile string) error {
	var build func(int, uint64) (*engine.Sim, *services.Producer, error)
	switch strings.ToLower(name) {
	case "s1":
		build = scenario.S1
	case "s2":
		build = scenario.S2
	default:
		return fmt.Errorf("unknown scenario %q (want s1 or s2)", name)
	}
	t0 := time.Now()
	s, prod, err := build(n, seed)
	if err != nil {
		return err
	}
	buildWall := time.Since(t0)
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	t1 := time.Now()
	if err := s.Run(until); err != nil {
		return err
	}
	runWall := time.Since(t1)
	if cpuprofile != "" {
		pprof.StopCPUProfile()
	}
	runtime.ReadMemStats(&m1)
	total := s.Total()
	fmt.Printf("scenario            %s\n", strings.ToUpper(name))
	fmt.Printf("peers               %d (+1 client), seed %d, %g simulated ms\n", n, seed, until)
	fmt.Printf("build wall s        %.3f\n", buildWall.Seconds())
	fmt.Printf("run wall s          %.3f\n", runWall.Seconds())
	fmt.Printf("events              %d\n", s.Events())
	fmt.Printf("delivered           %d\n", total.Delivered)
	fmt.Printf("delivered / wall s  %.0f\n", float64(total.Delivered)/runWall.Seconds())
	fmt.Printf("events / wall s     %.0f\n", float64(s.Events())/runWall.Seconds())
	fmt.Printf("allocs / delivered  %.4f\n", float64(m1.Mallocs-m0.Mallocs)/float64(total.Delivered))
	fmt.Printf("produced            %d\n", prod.Produced())
	fmt.Printf("coverage            %.4f (messages created before %g ms)\n", scenario.Coverage(s, n, until-500), until-500)
	fmt.Printf("heap in use MiB     %.1f\n", float64(m1.HeapInuse)/(1<<20))
	fmt.Printf("peak RSS MiB        %s\n", peakRSS())
	fmt.Printf("process wall s      %.3f\n", time.Since(start).Seconds())
	return nil
}

// peakRSS reads the peak resident set size from /proc/self/status.
func peakRSS() string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return "n/a"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			var kb float64
			if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%f kB", &kb); err == nil {
				return fmt.Sprintf("%.1f", kb/1024)
			}
		}
	}
	return "n/a"
}
