package scripts

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"go.starlark.net/starlark"

	"github.com/p2prepl/p2prepl/bindings"
	"github.com/p2prepl/p2prepl/stdlib"
)

// A README block that is deliberately partial is marked, on the line
// before its fence, with
//
//	<!-- readme-test: skip: WHY -->
var skipMark = regexp.MustCompile(`^<!-- readme-test: skip: (.+) -->$`)

// readmeBlock is one fenced Starlark block of the README.
type readmeBlock struct {
	line int    // of the opening fence
	src  string // the code
	skip string // why it is not run, if marked
}

// readmeBlocks returns the ```python and ```starlark blocks of a
// Markdown text.
func readmeBlocks(text string) ([]readmeBlock, error) {
	lines := strings.Split(text, "\n")
	var out []readmeBlock
	for i := 0; i < len(lines); i++ {
		lang, ok := strings.CutPrefix(lines[i], "```")
		if !ok || lang == "" {
			continue
		}
		j := i + 1
		for j < len(lines) && lines[j] != "```" {
			j++
		}
		if j == len(lines) {
			return nil, fmt.Errorf("README.md:%d: the ``` block is never closed", i+1)
		}
		if lang == "python" || lang == "starlark" {
			b := readmeBlock{line: i + 1, src: strings.Join(lines[i+1:j], "\n") + "\n"}
			if k := i - 1; k >= 0 {
				if m := skipMark.FindStringSubmatch(strings.TrimSpace(lines[k])); m != nil {
					b.skip = m[1]
				}
			}
			out = append(out, b)
		}
		i = j
	}
	return out, nil
}

// TestREADME runs every Starlark block of the README, so that its
// examples cannot rot: a script block as a script, a block of ">>> "
// lines as a REPL session whose printed output must match the lines that
// follow each input (when the README shows any).
func TestREADME(t *testing.T) {
	text, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := readmeBlocks(string(text))
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) < 5 { // the README has more: a broken parser finds none
		t.Fatalf("found %d Starlark blocks in README.md; the parser is broken", len(blocks))
	}
	for _, b := range blocks {
		t.Run(fmt.Sprintf("line%d", b.line), func(t *testing.T) {
			if b.skip != "" {
				t.Skipf("README.md:%d is marked partial: %s", b.line, b.skip)
			}
			t.Parallel()
			var out bytes.Buffer
			env := bindings.NewEnv(bindings.Options{OutDir: t.TempDir(), Stdout: &out})
			env.SetStdlib(stdlib.FS)
			name := fmt.Sprintf("README.md:%d", b.line)
			if strings.HasPrefix(b.src, ">>> ") {
				runTranscript(t, env, name, b.src, &out)
				return
			}
			// Line numbers in errors count from the fence.
			src := strings.Repeat("\n", b.line) + b.src
			if _, err := env.ExecFile(env.NewThread(name), "README.md", src); err != nil {
				t.Fatalf("the block at README.md:%d fails:\n%s\n(output:\n%s)", b.line, bindings.FormatError(err), out.String())
			}
		})
	}
}

// runTranscript replays a REPL session: each ">>> " input (with its "... "
// continuation lines) is evaluated as at the prompt; the lines that
// follow it, up to the next input, are what it must print, if given.
func runTranscript(t *testing.T, env *bindings.Env, name, src string, out *bytes.Buffer) {
	lines := strings.Split(strings.TrimRight(src, "\n"), "\n")
	globals := starlark.StringDict{}
	thread := env.NewThread(name)
	for i := 0; i < len(lines); {
		input, ok := strings.CutPrefix(lines[i], ">>> ")
		if !ok {
			t.Fatalf("%s: line %d of the session is neither an input nor its output: %q", name, i+1, lines[i])
		}
		chunk := []string{input}
		i++
		for i < len(lines) && (strings.HasPrefix(lines[i], "... ") || lines[i] == "...") {
			chunk = append(chunk, strings.TrimPrefix(strings.TrimPrefix(lines[i], "..."), " "))
			i++
		}
		var want []string
		for i < len(lines) && !strings.HasPrefix(lines[i], ">>> ") {
			want = append(want, lines[i])
			i++
		}
		out.Reset()
		v, isExpr, err := env.ExecREPLChunk(thread, globals, strings.Join(chunk, "\n")+"\n")
		if err != nil {
			t.Fatalf("%s: >>> %s\n%s", name, strings.Join(chunk, "\n... "), bindings.FormatError(err))
		}
		if isExpr && v != nil && v != starlark.None {
			fmt.Fprintln(out, v.String())
		}
		if len(want) > 0 {
			if got := strings.TrimRight(out.String(), "\n"); got != strings.Join(want, "\n") {
				t.Errorf("%s: >>> %s\nprinted:\n%s\nthe README shows:\n%s", name, chunk[0], got, strings.Join(want, "\n"))
			}
		}
	}
}

func TestReadmeBlocks(t *testing.T) {
	md := "text\n```sh\nls\n```\n```python\nx = 1\n```\n<!-- readme-test: skip: needs a sim from above -->\n```starlark\nsim.run(10)\n```\n```\nplain\n```\n"
	got, err := readmeBlocks(md)
	if err != nil {
		t.Fatal(err)
	}
	want := []readmeBlock{{line: 5, src: "x = 1\n"}, {line: 9, src: "sim.run(10)\n", skip: "needs a sim from above"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("blocks = %+v, want %+v", got, want)
	}
	if _, err := readmeBlocks("```python\nx = 1\n"); err == nil || !strings.Contains(err.Error(), "README.md:1") {
		t.Errorf("an unclosed block: %v", err)
	}
}
