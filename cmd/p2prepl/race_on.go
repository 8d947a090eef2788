//go:build race

package main

// raceEnabled: the race detector reserves terabytes of address space for
// its shadow memory, so the child's address space cannot be limited.
const raceEnabled = true
