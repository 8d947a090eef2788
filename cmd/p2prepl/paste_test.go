//go:build !windows

package main

import (
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// TestPasteReader checks what readline receives for some inputs and what
// its Listener then makes of the placeholders.
func TestPasteReader(t *testing.T) {
	long := strings.Repeat("abcdefgh", 8) // 64 plain runes: a paste
	for _, c := range []struct {
		name   string
		chunks []string // successive reads of the terminal
		want   string   // what readline reads, P for a placeholder
		runs   []string // the queued runs
	}{
		{"typing", []string{"x = 1", "\r"}, "x = 1\r", nil},
		{"paste", []string{long + "\r"}, "P\r", []string{long}},
		{"paste in two reads", []string{long[:40], long[40:] + "\r"}, "P" + long[40:] + "\r", []string{long[:40]}},
		{"keys between", []string{"\t" + long + "\x1b[D" + long + "\x03"}, "\tP\x1b[DP\x03", []string{long, long}},
		{"escape cut by a read", []string{"\x1b[", "1;5" + long[:5], "D"}, "\x1b[1;5" + long[:5] + "D", nil},
		{"NUL", []string{"x = 1\x00 # c"}, "x = 1P # c", []string{"\x00"}},
		{"bad byte", []string{"s = 'caf\xe9'"}, "s = 'cafP'", []string{string(rune(badByte + 0xe9))}},
		{"rune cut by a read", []string{"'caf\xc3", "\xa9'"}, "'caf", nil},
		{"placeholder typed", []string{"a\uE000b"}, "P", []string{"a\uE000b"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := newPasteReader(iotest.OneByteReader(strings.NewReader("")))
			p.src = &chunks{c.chunks}
			got, err := io.ReadAll(p)
			if err != nil {
				t.Fatal(err)
			}
			want := strings.ReplaceAll(c.want, "P", string(placeholder))
			if c.name == "rune cut by a read" {
				want = "'café'"
			}
			if string(got) != want {
				t.Errorf("readline reads %q, want %q", got, want)
			}
			var runs []string
			for _, r := range p.queued {
				runs = append(runs, string(r))
			}
			if !reflect.DeepEqual(runs, c.runs) {
				t.Errorf("queued %q, want %q", runs, c.runs)
			}
		})
	}
}

// chunks is a reader returning one chunk per Read.
type chunks struct{ c []string }

func (c *chunks) Read(b []byte) (int, error) {
	if len(c.c) == 0 {
		return 0, io.EOF
	}
	n := copy(b, c.c[0])
	c.c[0] = c.c[0][n:]
	if c.c[0] == "" {
		c.c = c.c[1:]
	}
	return n, nil
}

func TestPasteListener(t *testing.T) {
	p := newPasteReader(strings.NewReader(""))
	p.queued = [][]rune{[]rune("PASTED"), []rune("second")}
	line := []rune("ab" + string(placeholder) + "cd")
	got, pos, ok := p.OnChange(line, 3, placeholder)
	if !ok || string(got) != "abPASTEDcd" || pos != 8 {
		t.Errorf("OnChange = %q, %d, %v", string(got), pos, ok)
	}
	if _, _, ok := p.OnChange([]rune("abc"), 3, 'c'); ok {
		t.Error("an ordinary key changed the line")
	}
	// A placeholder that readline did not insert (reverse search) drops
	// its run, so that the next placeholder gets the next run.
	if _, _, ok := p.OnChange([]rune("abc"), 3, placeholder); ok || len(p.queued) != 0 {
		t.Errorf("placeholder not in the line: ok %v, queue %d", ok, len(p.queued))
	}
}

// TestREPLPaste pastes on a terminal: a 100,000-character line (which
// took over 8 minutes when readline redrew the line for each character)
// and a block with a syntax error, which must give one error.
func TestREPLPaste(t *testing.T) {
	s := startSession(t, filepath.Join(t.TempDir(), "history"))
	s.expect(">>> ")
	s.send(`len("` + strings.Repeat("a", 100000) + `")` + "\r")
	s.expect("\n100000\n")
	s.expect(">>> ")

	s.send("def f():\r    x = = 1\r    return 2\r\r1 + 1\r")
	out := s.expect("\n2\n")
	if strings.Count(out, "syntax error") != 1 || !strings.Contains(out, "<repl>:2:9: syntax error") {
		t.Errorf("a pasted block with a syntax error, then 1 + 1, printed:\n%s", out)
	}
	if code := s.exit(); code != 0 {
		t.Errorf("exit status %d", code)
	}
}

// TestREPLStuckInterrupt: a command inside one long Go call ignores
// Ctrl-C; a second Ctrl-C a moment later ends the session instead of
// leaving the user stuck.
func TestREPLStuckInterrupt(t *testing.T) {
	s := startSession(t, filepath.Join(t.TempDir(), "history"))
	s.expect(">>> ")
	s.send("x = []\r")
	s.expect(">>> ")
	s.send("for i in range(200000): x = [x]\r")
	s.expect("... ")
	s.send("\r")
	s.expect(">>> ")
	s.send("len(str(x))\r") // minutes inside str()
	s.expect("len(str(x))\n")
	time.Sleep(500 * time.Millisecond)
	s.send("\x03")
	time.Sleep(1500 * time.Millisecond)
	s.send("\x03")
	s.expect("the command did not stop (it is inside one long call); leaving")
	if code := s.waitExit(); code != 130 {
		t.Errorf("exit status %d, want 130", code)
	}
}
