package bindings

import (
	"strings"
	"testing"
)

// TestRecordBesideRunColumns: with --seed and --set, a recorded value
// named like the run's seed or a parameter must say the same as the
// column the results show it in; a --set parameter the script never read
// cannot be recorded over (see also testdata/errors/record_*.star).
func TestRecordBesideRunColumns(t *testing.T) {
	for _, c := range []struct {
		name string
		opts Options
		src  string
		want string // "" = no error
	}{
		{"seed follows --seed", Options{Seed: 9, SeedSet: true}, `record(seed = param("seed", 1))`, ""},
		{"seed differs", Options{Seed: 9, SeedSet: true}, `record(seed = 1)`, "x.star:1:7: record: seed = 1, but the run's seed is 9"},
		{"param from --set", Options{Params: map[string]string{"n": "5"}}, `n = param("n", 1)
record(n = n, m = 2 * n)
record(n = 5.0)`, ""},
		{"param differs from --set", Options{Params: map[string]string{"n": "5"}}, `n = param("n", 1)
record(n = 1)`, "x.star:2:7: record: n = 1, but the parameter n is 5"},
		{"--set never read", Options{Params: map[string]string{"n": "5"}}, `record(n = 5)`,
			`x.star:1:7: record: n is a parameter of this run (--set n=...), shown in the results' column n, but the script never read it: read it with n = param("n", default)`},
		{"None beside anything", Options{Params: map[string]string{"n": "5"}}, `record(n = None, run = None, seed = None)`, ""},
		{"status is no results column", Options{}, `record(status = "x", error = 1)`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			e, th, _ := testEnv(t, c.opts)
			_, err := e.ExecFile(th, "x.star", c.src)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("unexpected error: %s", FormatError(err))
			case c.want != "" && err == nil:
				t.Errorf("no error, want %q", c.want)
			case c.want != "" && !strings.Contains(FormatError(err), c.want):
				t.Errorf("error:\n%s\nwant it to contain %q", FormatError(err), c.want)
			}
		})
	}
}
