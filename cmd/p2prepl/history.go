package main

import "strings"

// blockSep joins the lines of a multi-line input (a def, a for loop) in
// its history entry. readline keeps one line per entry, in memory and in
// the history file, so a block is stored as one line with blockSep where
// its newlines were; recalled with Up, it shows as one line and Enter
// runs the whole block again. U+2424 SYMBOL FOR NEWLINE does not occur
// in code (in a string literal, write "\n").
const blockSep = "\u2424"

// historyEntry is the history entry of the lines of one input, without
// the empty line that ended a block.
func historyEntry(lines []string) string {
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines, blockSep)
}

// recall gives the lines of a recalled block one at a time, then an
// empty line, which ends the block, if the parser still wants one.
type recall struct {
	queue   []string
	drained bool // the last queued line was given during this input
}

// start begins an input: a block recalled for an earlier input that
// ended with its last line needs no empty line.
func (r *recall) start() { r.drained = false }

// expand splits a line read from the terminal that is a recalled block
// into its lines, returns the first and queues the others.
func (r *recall) expand(line string) string {
	if !strings.Contains(line, blockSep) {
		return line
	}
	lines := strings.Split(line, blockSep)
	r.queue = lines[1:]
	r.drained = len(r.queue) == 0
	return lines[0]
}

// next gives the next queued line, or the empty line that ends the block.
func (r *recall) next() (string, bool) {
	if len(r.queue) > 0 {
		l := r.queue[0]
		r.queue = r.queue[1:]
		r.drained = len(r.queue) == 0
		return l, true
	}
	if r.drained {
		r.drained = false
		return "", true
	}
	return "", false
}
