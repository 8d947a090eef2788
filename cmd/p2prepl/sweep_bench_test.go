package main

import (
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// BenchmarkSweepPeakRSS compares the peak resident memory of a 1,000-run
// sweep of S1 (N = 1,000, built-in gossip) on 2 jobs with jobs x the peak
// of one run of it, both as whole p2prepl processes: the ratio should stay
// at most 2. Slow (about a minute on 2 cores); run it alone:
//
//	go test ./cmd/p2prepl -run X -bench PeakRSS -benchtime 1x
func BenchmarkSweepPeakRSS(b *testing.B) {
	const jobs = 2
	s1 := []string{"../../bindings/testdata/bench/s1.star", "--set", "n=1000", "--set", "gossip=builtin", "--quiet"}
	peak := func(args ...string) float64 {
		cmd := exec.Command(binary, args...)
		// Exit status 1 is a failed run, still a measured one: S1's script
		// draws bandwidths from norm(50, 10) Mbps, and one seed in about a
		// thousand draws a negative one, which add_peers refuses.
		if out, err := cmd.CombinedOutput(); err != nil && cmd.ProcessState.ExitCode() != 1 {
			b.Fatalf("%v: %v\n%s", args, err, out)
		}
		return float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024 // KiB -> MiB
	}
	for i := 0; i < b.N; i++ {
		one := peak(append([]string{"run"}, s1...)...)
		dir := b.TempDir()
		sweep := peak(append([]string{"sweep", "--seeds", "1000", "-j", "2", "--out", dir, "--store", filepath.Join(dir, "r.db")}, s1...)...)
		b.ReportMetric(one, "MiB/run")
		b.ReportMetric(sweep, "MiB/sweep")
		b.ReportMetric(sweep/(jobs*one), "sweep/(jobs*run)")
	}
}
