package main

import (
	"io"
	"sync"
	"unicode/utf8"
)

// pasteReader makes pasting into the REPL linear in the length of the
// text. chzyer/readline handles input one rune at a time and, for each,
// redraws the whole line and copies it into the history: a pasted line of
// n characters cost O(n²) (5,000 characters took ~6 s, 100,000 over 8
// minutes). pasteReader sits between the terminal and readline: a run of
// at least pasteRun plain characters arriving in one read (a paste; no
// typist is that fast) reaches readline as a single placeholder rune, and
// its Listener puts the run in place of the placeholder, so that readline
// redraws once per run instead of once per character. Control characters
// and escape sequences (Enter, Tab, arrows, Ctrl-C) pass through
// unchanged, so editing and completion behave as before.
type pasteReader struct {
	src io.Reader
	buf []byte // read from src, not yet converted
	out []byte // converted, not yet returned to readline
	esc int    // state of an escape sequence cut by a read: see convert
	err error

	run     []rune      // plain runes not yet emitted
	literal bool        // run holds a character that must be queued
	pending func() bool // reports input ready to read at once (nil: unknown)

	mu     sync.Mutex
	queued [][]rune // runs waiting for their placeholder, in order
}

const (
	// pasteRun is the shortest run of plain characters taken as a paste.
	pasteRun = 32
	// placeholder stands for a queued run: a private-use character; one
	// that comes in the input is queued as a run of its own, so that
	// every placeholder readline sees has its run.
	placeholder = '\uE000'
	// badByte+b stands, in a line, for the byte b of the input that was
	// not UTF-8 (private-use characters, U+F700 to U+F7FF).
	badByte = '\uF700'
)

func newPasteReader(src io.Reader) *pasteReader {
	return &pasteReader{src: src, buf: make([]byte, 0, 64<<10)}
}

// Read implements io.Reader for readline.
func (p *pasteReader) Read(b []byte) (int, error) {
	for len(p.out) == 0 {
		if p.err != nil {
			if len(p.buf) > 0 { // a truncated rune at the end of input
				p.out, p.buf = append(p.out, p.buf...), p.buf[:0]
				break
			}
			return 0, p.err
		}
		n, err := p.src.Read(p.buf[len(p.buf):cap(p.buf)])
		p.buf = p.buf[:len(p.buf)+n]
		p.err = err
		p.convert()
	}
	n := copy(b, p.out)
	p.out = p.out[n:]
	return n, nil
}

// plain reports whether r is text to insert, not a key readline acts on.
func plain(r rune) bool { return r >= ' ' && r != 0x7f }

// convert moves the complete runes of buf to out, replacing each run of
// at least pasteRun plain runes by a placeholder and queueing the run. A
// rune cut by the end of buf stays in buf for the next read. Escape
// sequences are copied through whole, even across reads (esc: 0 outside
// one, 1 after ESC, 2 inside a CSI "ESC [" sequence, 3 after "ESC O").
func (p *pasteReader) convert() {
	b := p.buf
	i := 0
	flush := p.flush
	for i < len(b) {
		if !utf8.FullRune(b[i:]) && p.err == nil {
			break
		}
		r, n := utf8.DecodeRune(b[i:])
		switch {
		case p.esc == 1:
			p.esc = 0
			if r == '[' {
				p.esc = 2
			} else if r == 'O' {
				p.esc = 3
			}
			p.out = append(p.out, b[i:i+n]...)
		case p.esc == 2:
			if r >= 0x40 && r <= 0x7e {
				p.esc = 0
			}
			p.out = append(p.out, b[i:i+n]...)
		case p.esc == 3:
			p.esc = 0
			p.out = append(p.out, b[i:i+n]...)
		case r == 0 || r == utf8.RuneError && n == 1 || r >= badByte && r <= badByte+0xff:
			// A NUL (which readline takes for end of input) or a byte
			// that is not UTF-8 (which it would turn into U+FFFD): it
			// reaches the line as a run of its own, for the REPL to
			// report at its position (see replSource). The characters
			// badByte stands for are reserved at the prompt: one in the
			// input is reported as its first byte.
			flush()
			if r != 0 {
				r = badByte + rune(b[i])
			}
			p.run, p.literal = []rune{r}, true
			flush()
		case plain(r):
			p.run = append(p.run, r)
			p.literal = p.literal || r == placeholder
		default:
			flush()
			if r == 0x1b {
				p.esc = 1
			}
			p.out = append(p.out, b[i:i+n]...)
		}
		i += n
	}
	// A run at the end of the read goes on into the next read when more
	// input is already waiting (a paste longer than the terminal's
	// buffer: it becomes one run, so readline redraws the line once);
	// otherwise it is emitted now, not to delay what the user typed.
	if p.err != nil || p.pending == nil || !p.pending() {
		flush()
	}
	p.buf = append(p.buf[:0], b[i:]...)
}

// flush emits the plain runes read so far: as they are, or, for a long
// run or one holding a character that must be queued, as a placeholder.
func (p *pasteReader) flush() {
	if len(p.run) >= pasteRun || p.literal {
		p.mu.Lock()
		p.queued = append(p.queued, p.run)
		p.mu.Unlock()
		p.out = utf8.AppendRune(p.out, placeholder)
	} else {
		for _, r := range p.run {
			p.out = utf8.AppendRune(p.out, r)
		}
	}
	p.run, p.literal = nil, false
}

// Close closes the source, so that readline can stop reading it.
func (p *pasteReader) Close() error {
	if c, ok := p.src.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// OnChange implements readline.Listener: after readline inserted a
// placeholder, it puts the run the placeholder stands for in its place.
func (p *pasteReader) OnChange(line []rune, pos int, key rune) ([]rune, int, bool) {
	if key != placeholder {
		return nil, 0, false
	}
	p.mu.Lock()
	if len(p.queued) == 0 {
		p.mu.Unlock()
		return nil, 0, false
	}
	run := p.queued[0]
	p.queued = p.queued[1:]
	p.mu.Unlock()
	if pos < 1 || pos > len(line) || line[pos-1] != placeholder {
		return nil, 0, false // not inserted (reverse search takes keys itself)
	}
	out := make([]rune, 0, len(line)-1+len(run))
	out = append(append(append(out, line[:pos-1]...), run...), line[pos:]...)
	return out, pos - 1 + len(run), true
}

// replSource is the text of a REPL input with the bytes that were not
// UTF-8 restored (see badByte), for bindings.CheckSource to report them.
func replSource(src string) []byte {
	out := make([]byte, 0, len(src))
	for _, r := range src {
		if r >= badByte && r <= badByte+0xff {
			out = append(out, byte(r-badByte))
		} else {
			out = utf8.AppendRune(out, r)
		}
	}
	return out
}
