package table_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRead reads files as other tools write them (JSON Lines, a
// spreadsheet's CSV) and malformed ones: each gives the table, or an error
// naming the file and the line.
func TestRead(t *testing.T) {
	tests := []struct {
		name, file, content, call string
		want, err                 string // want: the expected table as Starlark source
	}{
		{"json lines", "trace.jsonl", "{\"id\": \"26_1\", \"t\": 5}\n{\"t\": 7.5, \"hops\": 2}\n",
			`table.read_json("trace.jsonl")`, `table(["id", "t", "hops"], [["26_1", 5, None], [None, 7.5, 2]])`, ""},
		{"json array, keys in any order, lists and objects as their JSON text", "a.json", `[{"b": 1, "a": null}, {"a": "x", "c": [1, 2] }, {"c": {"1": 3, "2": [ ] }}]`,
			`table.read_json("a.json")`, `table(["b", "a", "c"], [[1, None, None], [None, "x", "[1,2]"], [None, None, '{"1":3,"2":[]}']])`, ""},
		{"a trace", "t.jsonl", `{"t":2,"ev":"deliver","kind":"tx","id":"26_1","version":0,"from":1,"to":2,"vc":{"1":1,"2":1}}` + "\n",
			`table.read_json("t.jsonl")`, `table(["t", "ev", "kind", "id", "version", "from", "to", "vc"], [[2, "deliver", "tx", "26_1", 0, 1, 2, '{"1":1,"2":1}']])`, ""},
		{"json empty array", "e.json", "[]", `table.read_json("e.json")`, `table([])`, ""},
		{"json empty file", "z.json", "  \n", `table.read_json("z.json")`, "", "read_json: z.json: the file is empty"},
		{"json not objects", "s.json", `[1, 2]`, `table.read_json("s.json")`, "", "read_json: s.json: line 1: item 0 is a number, want an object"},
		{"json scalar", "x.json", `"hello"`, `table.read_json("x.json")`, "", "want a JSON array of objects"},
		{"json duplicate key", "d.json", `[{"a": 1, "a": 2}]`, `table.read_json("d.json")`, "", `row 0 has column "a" twice`},
		{"json trailing data", "t.json", `[{"a": 1}] {"a": 2}`, `table.read_json("t.json")`, "", "unexpected data after the array"},
		{"json truncated", "tr.json", "[{\"a\": 1},\n{\"a\":", `table.read_json("tr.json")`, "", "read_json: tr.json: line 2: "},
		{"json big ints and exponents", "b.json", `[{"n": 123456789012345678901234567890, "f": 1E3, "g": -0.5}]`,
			`table.read_json("b.json")`, `table(["n", "f", "g"], [[123456789012345678901234567890, 1000.0, -0.5]])`, ""},
		{"csv with a byte-order mark and CRLF", "s.csv", "\ufeffa,b\r\n1,x\r\n2,\r\n",
			`table.read_csv("s.csv")`, `table(["a", "b"], [[1, "x"], [2, None]])`, ""},
		{"csv quoted numbers are numbers", "q.csv", "a\n\"1\"\n\"2.5\"\n",
			`table.read_csv("q.csv")`, `table(["a"], [[1], [2.5]])`, ""},
		{"csv not numbers", "nn.csv", "a,b,c\n0x10,1_000,1.5.2\n.5,-3,+4.\n",
			`table.read_csv("nn.csv")`, `table(["a", "b", "c"], [["0x10", "1_000", "1.5.2"], [".5", "-3", "+4."]])`, ""},
		{"csv header only", "h.csv", "a,b\n", `table.read_csv("h.csv")`, `table(["a", "b"])`, ""},
		{"csv empty file", "e.csv", "", `table.read_csv("e.csv")`, "", "read_csv: e.csv: the file is empty; want a header line"},
		{"csv short line", "f.csv", "a,b\n1,2\n3\n", `table.read_csv("f.csv")`, "", "read_csv: f.csv: line 3 has a different number of fields than the header"},
		{"csv bad quote", "bq.csv", "a\n\"x\"y\n", `table.read_csv("bq.csv")`, "", `read_csv: bq.csv: line 2, column 3: extraneous or missing " in quoted-field`},
		{"csv duplicate header", "dh.csv", "a,a\n1,2\n", `table.read_csv("dh.csv")`, "", `read_csv: dh.csv: header: duplicate column "a"`},
		{"csv empty header", "eh.csv", "a,\n1,2\n", `table.read_csv("eh.csv")`, "", `read_csv: eh.csv: header: column 1 has an empty name`},
		{"a directory", "dir/x", "", `table.read_csv("dir")`, "", "dir is not a regular file"},
		{"bad strings", "s2.csv", "a\n1\n", `table.read_csv("s2.csv", strings = 3)`, "", "read_csv: strings: got int, want a list of strings"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			name := filepath.Join(dir, tc.file)
			if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(name, []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			src := "x = " + tc.call
			if tc.want != "" {
				src += "\nassert.eq(x, " + tc.want + ")"
			}
			_, err := run(t, "read.star", src, dir)
			switch {
			case tc.err == "" && err != nil:
				t.Fatal(err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("got error %v, want one containing %q", err, tc.err)
			}
		})
	}
}
