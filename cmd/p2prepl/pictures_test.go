package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/p2prepl/p2prepl/engine/shiviz"
)

func TestRunReport(t *testing.T) {
	out := t.TempDir()
	r := ok(t, "run", "--report", "r/report.html", "--out", out, "testdata/report.star")
	if !strings.Contains(r.stderr, "wrote the report "+filepath.Join(out, "r/report.html")) {
		t.Errorf("stderr: %s", r.stderr)
	}
	page, err := os.ReadFile(filepath.Join(out, "r", "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Run report: report.star", `<section id="spacetime">`, `id="spacetime-svg"`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	// A failing script still gets its report, with the error in it.
	r = p2prepl(t, "run", "--report", "failed.html", "--out", out, "--set", "fail=true", "testdata/report.star")
	if r.code != 1 {
		t.Errorf("failing script: exit %d", r.code)
	}
	page, err = os.ReadFile(filepath.Join(out, "failed.html"))
	if err != nil || !strings.Contains(string(page), "the claim does not hold") {
		t.Errorf("the failed run's report: %v", err)
	}
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"run", "--report", "../x.html", "--out", out, "testdata/report.star"}, 1, "outside the output directory"},
		{[]string{"run", "--report", "x.txt", "testdata/report.star"}, 2, "want a file name ending in .html"},
		{[]string{"--report", "x.html"}, 2, "--report needs a script"},
	} {
		r := p2prepl(t, tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.msg) {
			t.Errorf("p2prepl %s: exit %d, stderr:\n%s\nwant exit %d and %q", strings.Join(tc.args, " "), r.code, r.stderr, tc.code, tc.msg)
		}
	}
}

func TestTraceShiViz(t *testing.T) {
	out := t.TempDir()
	ok(t, "run", "testdata/out.star", "--out", out)
	jsonl := filepath.Join(out, "traces", "gossip.jsonl")
	logs := t.TempDir()
	ok(t, "trace", jsonl, "--shiviz", "gossip.log", "--out", logs)
	f, err := os.Open(filepath.Join(logs, "gossip.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	evs, err := shiviz.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := shiviz.Check(evs); err != nil {
		t.Fatal(err)
	}
	if len(evs) < 50 {
		t.Errorf("only %d events", len(evs))
	}
	bad := filepath.Join(out, "bad.jsonl")
	os.WriteFile(bad, []byte(`{"t":0,"ev":"send","kind":"x","from":1,"to":2,"seq":1}`+"\nnot json\n"), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"trace", jsonl}, 2, "--shiviz OUT.log"},
		{[]string{"trace", "--shiviz", "x.log"}, 2, "trace needs a trace file"},
		{[]string{"trace", filepath.Join(out, "missing.jsonl"), "--shiviz", "x.log", "--out", logs}, 1, "no such file"},
		{[]string{"trace", bad, "--shiviz", "x.log", "--out", logs}, 1, "line 2: not a JSON object"},
		{[]string{"trace", jsonl, "--shiviz", "../x.log", "--out", logs}, 1, "outside the output directory"},
	} {
		r := p2prepl(t, tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.msg) {
			t.Errorf("p2prepl %s: exit %d, stderr:\n%s\nwant exit %d and %q", strings.Join(tc.args, " "), r.code, r.stderr, tc.code, tc.msg)
		}
	}
	if _, err := os.Stat(filepath.Join(logs, "x.log")); err == nil {
		t.Error("a failed conversion left x.log")
	}
	if r := ok(t, "trace", "--help"); !strings.Contains(r.stdout, "ShiViz") {
		t.Errorf("trace --help: %s", r.stdout)
	}
}
