package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// p2prepl explore finds the fast-network vote's split, shrinks it, and the
// command it prints replays the schedule to the same violation.
func TestExploreCommand(t *testing.T) {
	out := t.TempDir()
	script := filepath.Join("..", "..", "explore", "testdata", "fast_vote.star")
	r := p2prepl(t, "explore", script, "--runs", "20", "-j", "2", "--out", out, "--quiet")
	if r.code != exitScriptError {
		t.Fatalf("explore exited %d, want 1\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"first failure: run 1", `property "agreement" violated`, "shrunk in", "-> 1 (n:", "replay: p2prepl run"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	m := regexp.MustCompile(`replay: p2prepl run (.*)\n`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatal("no replay line")
	}
	re := p2prepl(t, append([]string{"run"}, strings.Fields(m[1])...)...)
	if re.code != exitScriptError || !strings.Contains(re.stderr, `property "agreement" violated`) {
		t.Errorf("the replay exited %d:\n%s", re.code, re.stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "fast_vote.spacetime.svg")); err != nil {
		t.Errorf("no space-time diagram: %v", err)
	}
	// Every run is in the results store, and the store's reproduce line
	// of a failing run replays it alone.
	failed := p2prepl(t, "results", filepath.Join(out, "results.db"), "--failed")
	rm := regexp.MustCompile(`reproduce: p2prepl run (.*)\n`).FindStringSubmatch(failed.stdout)
	if rm == nil || !strings.Contains(rm[1], "faults.seed=") {
		t.Fatalf("results --failed printed:\n%s%s", failed.stdout, failed.stderr)
	}
	again := p2prepl(t, append([]string{"run"}, strings.Fields(rm[1])...)...)
	if again.code != exitScriptError || !strings.Contains(again.stderr, `property "agreement" violated`) {
		t.Errorf("the store's reproduce line exited %d:\n%s", again.code, again.stderr)
	}
	// Within the protocol's assumptions nothing fails.
	ok := p2prepl(t, "explore", script, "--runs", "10", "--set", "patience=300", "--out", out, "--quiet")
	if ok.code != exitOK || !strings.Contains(ok.stdout, "no run broke a property") {
		t.Errorf("patience=300: exit %d\n%s%s", ok.code, ok.stdout, ok.stderr)
	}
	// A schedule recorded elsewhere: the run says so.
	foreign := filepath.Join(out, "foreign.json")
	if err := os.WriteFile(foreign, []byte(`{"p2prepl_schedule": 1, "script_sha256": "abc", "simulations": [[{"kind": "delay", "from": 7, "to": 9, "msg": "nothing", "delay": 5}]]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	w := p2prepl(t, "run", script, "--schedule", foreign)
	if !strings.Contains(w.stderr, "has changed since") || !strings.Contains(w.stderr, "1 delays and drops") {
		t.Errorf("a foreign schedule: exit %d, stderr %q", w.code, w.stderr)
	}

	// Bad input: a clear message, the usage status.
	plain := filepath.Join(out, "plain.star")
	if err := os.WriteFile(plain, []byte("sim = simulation()\nsim.add_peers(2)\nsim.run(until = 10)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := p2prepl(t, "explore", plain, "--out", out); r.code != exitUsage || !strings.Contains(r.stderr, "nothing to explore") {
		t.Errorf("a script without faults: exit %d, stderr %q", r.code, r.stderr)
	}
	for _, args := range [][]string{
		{"explore", script, "--budget", "delay=-3"},
		{"explore", script, "--strategy", "clever"},
		{"explore"},
		{"run", script, "--schedule", filepath.Join(out, "missing.json")},
		{"run", script, "--budget", "delay=1", "--schedule", "x.json"},
	} {
		if r := p2prepl(t, args...); r.code != exitUsage || r.stderr == "" {
			t.Errorf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
}

// TestScheduleSimulationCount: a schedule lists every simulation of the
// run it was recorded from. A run that creates more went another way: the
// extra simulation, which used to run unperturbed as if replayed, is an
// error at its line; one that creates fewer gets a warning.
func TestScheduleSimulationCount(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	script := write("two.star", "a = simulation(seed = 1)\nb = simulation(seed = 2)\nprint(\"done\")\n")
	sched := func(n int) string {
		sims := strings.TrimSuffix(strings.Repeat("[], ", n), ", ")
		return write("s.json", `{"p2prepl_schedule": 1, "simulations": [`+sims+`]}`)
	}
	r := p2prepl(t, "run", script, "--schedule", sched(1))
	if r.code != exitScriptError || !strings.Contains(r.stderr, "two.star:2:15: simulation: --schedule: the schedule lists the 1 simulation(s) of the run it was recorded from, and this is simulation 2") {
		t.Errorf("more simulations than the schedule: exit %d\n%s", r.code, r.stderr)
	}
	r = p2prepl(t, "run", script, "--schedule", sched(3))
	if r.code != exitOK || !strings.Contains(r.stderr, "lists 3 simulations and the script created 2: the rest replayed nothing") {
		t.Errorf("fewer simulations than the schedule: exit %d\n%s", r.code, r.stderr)
	}
	if r = p2prepl(t, "run", script, "--schedule", sched(2)); r.code != exitOK || r.stderr != "" || r.stdout != "done\n" {
		t.Errorf("as many simulations as the schedule: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
